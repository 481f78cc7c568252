/** The tool version, from package.json (one source of truth for the CLI and trace headers). */
import { readFileSync } from 'node:fs';
import { packageFile } from './package-root.ts';

const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
  version: string;
};

export const TOOL_NAME = 'ciebench';
export const TOOL_VERSION: string = pkg.version;
