#!/usr/bin/env node
// Entry point of the `ciebench` CLI: TypeScript runs directly through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main(process.argv);
