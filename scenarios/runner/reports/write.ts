/**
 * Writes a run's three reports into its folder: `report.json` (everything, for tools),
 * `junit.xml` (for CI) and `report.html` (for people; self-contained).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunResult } from '../results.ts';
import { htmlReport } from './html.ts';
import { junitXml } from './junit.ts';

export interface ReportPaths {
  readonly json: string;
  readonly junit: string;
  readonly html: string;
}

export function writeReports(r: RunResult, dir: string): ReportPaths {
  mkdirSync(dir, { recursive: true });
  const paths = {
    json: resolve(join(dir, 'report.json')),
    junit: resolve(join(dir, 'junit.xml')),
    html: resolve(join(dir, 'report.html')),
  };
  writeFileSync(paths.json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(paths.junit, junitXml(r));
  writeFileSync(paths.html, htmlReport(r, dir));
  return paths;
}
