#!/usr/bin/env node
// The installed `ciebench` command: the compiled command line (package.json "bin"). From a
// checkout's TypeScript sources, `ciebench.mjs` runs the same main() through tsx.
import { main } from './main.ts';

await main(process.argv);
