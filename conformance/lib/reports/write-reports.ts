/** Writes the three report files of a run into a directory (created if needed). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunResult } from '../model.ts';
import { htmlReport } from './html-report.ts';
import { jsonReport } from './json-report.ts';
import { junitReport } from './junit-report.ts';

export interface ReportPaths {
  readonly json: string;
  readonly junit: string;
  readonly html: string;
}

export async function writeReports(run: RunResult, dir: string): Promise<ReportPaths> {
  const base = resolve(dir);
  await mkdir(base, { recursive: true });
  const paths = { json: join(base, 'conformance.json'), junit: join(base, 'conformance.junit.xml'), html: join(base, 'conformance.html') };
  await writeFile(paths.json, jsonReport(run));
  await writeFile(paths.junit, junitReport(run));
  await writeFile(paths.html, htmlReport(run));
  return paths;
}
