// Worker-thread entry of a load run (see load-run.ts): TypeScript runs through tsx, as in the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./load-worker-main.ts');
