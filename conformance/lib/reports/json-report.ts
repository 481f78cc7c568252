/**
 * The JSON report: the whole run (target, ATR, ICS, options, every verdict with its steps and
 * raw APDU log) plus the per-category table. Versioned so tools can rely on the shape.
 */
import type { RunResult } from '../model.ts';
import { byCategory } from './summary.ts';

export const REPORT_FORMAT = 'ciebench-conformance-report';
export const REPORT_VERSION = 1;

export function jsonReport(run: RunResult): string {
  return `${JSON.stringify({ format: REPORT_FORMAT, version: REPORT_VERSION, ...run, categories: byCategory(run) }, null, 2)}\n`;
}
