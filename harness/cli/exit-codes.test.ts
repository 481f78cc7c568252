/**
 * The command line's exit codes, per command (README "Exit codes"): 0 ok, 1 verdict failed,
 * 2 bad input or usage, 3 environment missing. Environment cases name a reader that does not
 * exist: whatever the machine has — no PC/SC binding, no pcscd, or pcscd with other readers —
 * the answer is 3.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/run-cli.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { testSp } from '../../scenarios/idp/testing/test-sp.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NO_READER = 'CIE Bench test: no such reader';

const sp = testSp();
writeFileSync(join(dir, 'sp.xml'), sp.metadata());
writeFileSync(join(dir, 'sp-bad.xml'), sp.metadata({ wantAssertionsSigned: 'false' }));
writeFileSync(join(dir, 'default.json'), JSON.stringify(defaultCardImage()));
const SELECT_IAS = '00A4040C0DA0000000308000000009816001';

type Case = readonly [code: 0 | 1 | 2 | 3, args: readonly string[]];

const CASES: Readonly<Record<string, readonly Case[]>> = {
  apdu: [
    [0, ['apdu', SELECT_IAS]],
    [2, ['apdu', 'not-hex']],
    [2, ['apdu', '--card', 'no-such-card', SELECT_IAS]],
  ],
  card: [
    [0, ['card', 'profiles']],
    [0, ['card', 'show', 'default']],
    [0, ['card', 'new', '--seed', 'exit-codes', '-o', join(dir, 'card.json')]],
    [2, ['card', 'new', '--seed', 'exit-codes', '-o', join(dir, 'card.json')]],
    [2, ['card', 'show', join(dir, 'missing.json')]],
    [2, ['card', 'start', '--no-pcsc', '--nfc', 'http://127.0.0.1:1']],
  ],
  ias: [
    [0, ['ias', 'login']],
    [1, ['ias', 'login', '--pin', '00000000']],
    [2, ['ias', 'login', '--style', 'symbian']],
    [3, ['ias', 'login', '--reader', NO_READER]],
  ],
  emrtd: [
    [0, ['emrtd', 'read', '--no-ca']],
    [1, ['emrtd', 'read', '--no-ca', '--can', '000000']],
    [2, ['emrtd', 'read', '--pace-info', 'first']],
    [3, ['emrtd', 'read', '--reader', NO_READER, '--can', '123456']],
  ],
  conformance: [
    [0, ['conformance', 'run', '--card', 'iso-test', '--only', 'ISO7816_GEN_1']],
    [
      1,
      [
        'conformance',
        'run',
        '--card',
        'iso-test',
        '--ics',
        'conformance/ics/cie-nxp.ics.json',
        '--suite',
        'iso7816',
      ],
    ],
    [2, ['conformance', 'run', '--suite', 'no-such-suite']],
    [2, ['conformance', 'run', '--reader', NO_READER]],
    [3, ['conformance', 'run', '--reader', NO_READER, '--ics', 'conformance/ics/cie-nxp.ics.json']],
  ],
  idp: [
    [0, ['idp', 'check-sp', join(dir, 'sp.xml')]],
    [1, ['idp', 'check-sp', join(dir, 'sp-bad.xml')]],
    [2, ['idp', 'check-sp', join(dir, 'missing.xml')]],
    [2, ['idp', 'start', '--as', 'staging']],
  ],
  'card revoke/expire': [
    [0, ['card', 'revoke', '--card', join(dir, 'default.json'), '--pki-dir', join(dir, 'pki')]],
    [0, ['card', 'unrevoke', '--card', join(dir, 'default.json'), '--pki-dir', join(dir, 'pki')]],
    [
      0,
      [
        'card',
        'expire',
        '--card',
        join(dir, 'default.json'),
        '--on',
        '2025-01-31',
        '-o',
        join(dir, 'expired.json'),
      ],
    ],
    [2, ['card', 'revoke', '--card', join(dir, 'default.json'), '--reason', 'whim']],
    [2, ['card', 'expire', '--card', join(dir, 'missing.json')]],
  ],
  reader: [
    [0, ['reader', 'status']],
    [2, ['reader', 'install', '--slots', 'many']],
    [3, ['reader', 'probe', NO_READER]],
  ],
  trace: [
    [0, ['trace', 'record', '--card', 'iso-test', '-o', join(dir, 'a.jsonl'), '--', 'iso-read']],
    [0, ['trace', 'diff', join(dir, 'a.jsonl'), join(dir, 'a.jsonl')]],
    [2, ['trace', 'show', join(dir, 'missing.jsonl')]],
    [2, ['trace', 'record', '--card', 'iso-test', '--', 'no-such-flow']],
    [3, ['trace', 'record', '--reader', NO_READER, '--', 'iso-read']],
  ],
  usage: [
    [0, ['--version']],
    [2, ['no-such-command']],
    [2, ['ias', 'login', '--no-such-option']],
  ],
};

describe('exit codes (0 ok, 1 verdict failed, 2 bad input, 3 environment missing)', () => {
  for (const [command, cases] of Object.entries(CASES))
    describe(command, () => {
      for (const [code, args] of cases)
        it(`${code} ← ciebench ${args.join(' ')}`, async () => {
          const r = await runCli(...args);
          expect(r.exitCode, `stdout: ${r.stdout.slice(0, 400)}\nstderr: ${r.stderr}`).toBe(code);
          if (code === 2) expect(r.stderr).toMatch(/\S/);
          // What is missing is said, on stderr or in the command's report.
          if (code === 3) expect(`${r.stderr}${r.stdout}`).toMatch(/reader|pcscd|binding/i);
        });
    });
});
