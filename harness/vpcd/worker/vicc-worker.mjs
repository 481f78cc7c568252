// Worker-thread entry of a vicc card (see vicc-worker.ts): TypeScript runs through tsx, as in the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./vicc-worker-main.ts');
