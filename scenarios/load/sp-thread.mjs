// Worker-thread entry of the load target's SP (see sp-thread.ts): TypeScript runs through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./sp-thread-main.ts');
