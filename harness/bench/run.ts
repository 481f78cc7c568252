/**
 * `npm run bench`: runs every `suites/*.bench.ts` (or those named on the command line), prints a
 * table, and exits non-zero when a target is missed.
 */
import { readdirSync } from 'node:fs';
import { meets, type BenchMetric, type BenchSuite } from './bench-kit.ts';

const dir = new URL('./suites/', import.meta.url);
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

function fmt(v: number): string {
  return v >= 1000 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

let missed = 0;
for (const file of files) {
  const mod = (await import(new URL(file, dir).href)) as { suite?: BenchSuite };
  if (!mod.suite) throw new Error(`${file} exports no suite`);
  process.stdout.write(`\n== ${mod.suite.name} (${file})\n`);
  const metrics: BenchMetric[] = await mod.suite.run();
  for (const m of metrics) {
    const ok = meets(m);
    const target = m.target ? `target ${m.target.op} ${fmt(m.target.value)}` : '';
    const verdict = ok === undefined ? '' : ok ? 'met' : 'MISSED';
    if (ok === false) missed++;
    process.stdout.write(
      `  ${m.name.padEnd(58)} ${fmt(m.value).padStart(12)} ${m.unit.padEnd(8)} ${target.padEnd(16)} ${verdict}${m.detail ? `  (${m.detail})` : ''}\n`,
    );
  }
}
process.stdout.write(`\n${missed === 0 ? 'all targets met' : `${missed} target(s) missed`}\n`);
process.exitCode = missed === 0 ? 0 : 1;
