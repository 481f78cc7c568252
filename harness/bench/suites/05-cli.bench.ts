/**
 * The command line as a whole process, as a user starts it: `ciebench --version` and one APDU to
 * a fresh default card (`ciebench apdu <SELECT IAS>`), through the compiled command (the package's
 * `bin`, built first by `npm run build`). Targets: median ≤ 0.3 s and ≤ 0.6 s on the 2-core
 * reference machine. Beside them, in the same run: a bare `node -e ''` (the floor no command can
 * beat) and the same commands from the TypeScript sources through tsx (`npm run ciebench`). Before
 * the commands were loaded lazily and compiled, `--version` took 1.6–3.4 s on the same machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { packageFile } from '../../../emulator/src/package-root.ts';
import { measureDurations, type BenchMetric, type BenchSuite } from '../bench-kit.ts';

const BIN = packageFile('dist', 'harness', 'cli', 'ciebench.js');
const SOURCES = packageFile('harness', 'cli', 'ciebench.mjs');
const SELECT_IAS = '00A4040C0DA0000000308000000009816001';

const spawnTime = (args: readonly string[], runs: number) =>
  measureDurations(() => execFileSync(process.execPath, args, { stdio: 'ignore' }), runs, 2);

export const suite: BenchSuite = {
  name: 'command line, whole process',
  async run(): Promise<BenchMetric[]> {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: packageFile(), stdio: 'inherit' });
    if (!existsSync(BIN)) throw new Error(`benchmark setup: ${BIN} was not built`);
    const floor = await spawnTime(['-e', ''], 15);
    const version = await spawnTime([BIN, '--version'], 15);
    const apdu = await spawnTime([BIN, 'apdu', SELECT_IAS], 15);
    const tsxVersion = await spawnTime([SOURCES, '--version'], 5);
    const ms = (x: number): string => `${(x / 1000).toFixed(3)} s`;
    return [
      {
        name: 'ciebench --version (compiled, median of 15)',
        value: version.median / 1000,
        unit: 's',
        target: { op: '<=', value: 0.3 },
        detail: `p95 ${ms(version.p95)}; node alone ${ms(floor.median)}; from the sources via tsx ${ms(tsxVersion.median)}; before: 1.6–3.4 s`,
      },
      {
        name: 'ciebench apdu <SELECT IAS> (compiled, median of 15)',
        value: apdu.median / 1000,
        unit: 's',
        target: { op: '<=', value: 0.6 },
        detail: `p95 ${ms(apdu.p95)}`,
      },
    ];
  },
};
