/**
 * `ciebench app` as a process: register with the PIN from the environment, list as JSON (no PIN
 * digits anywhere in the output or the profile), a wrong PIN (exit 1, the app's text), bad input
 * (exit 2), no card answering (exit 3), conflicting channel options (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { tempDir } from '../app/testing.ts';

const BIN = new URL('../../harness/cli/ciebench.mjs', import.meta.url).pathname;
const tmp = tempDir('app-cli');
afterAll(() => tmp.cleanup());
const image = defaultCardImage();
const card = `${tmp.dir}/card.json`;
writeFileSync(card, JSON.stringify(image));
const base = ['--card', card, '--profile', `${tmp.dir}/profile`];

function app(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, 'app', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ciebench app', () => {
  it('registers, lists, refuses and reports with the right exit codes; PIN digits never shown', () => {
    const pin = image.state.pin.value;
    const wrong = app(['register', ...base, '--serial', image.citizen.document.number], {
      CIEBENCH_PIN: '99999999',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('[WRONG_PIN] Hai digitato un PIN ERRATO.');
    const ok = app(['register', ...base, '--serial', image.citizen.document.number], {
      CIEBENCH_PIN: pin,
    });
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`Carta registrata: ${image.citizen.document.number}`);
    const list = app(['list', ...base, '--json']);
    expect(JSON.parse(list.out)).toMatchObject([{ nis: image.citizen.nis, pinHalfStatus: 'ok' }]);
    for (const text of [wrong.out, ok.out, list.out]) expect(text).not.toContain(pin.slice(0, 4));
    for (const f of readdirSync(`${tmp.dir}/profile/cards`))
      expect(readFileSync(`${tmp.dir}/profile/cards/${f}`, 'utf8')).not.toContain(
        `"${pin.slice(0, 4)}"`,
      );
    expect(app(['register', ...base, '--serial', 'X1', '--pin', pin]).code).toBe(2);
    expect(app(['list', '--card', card, '--nfc', 'ws://127.0.0.1:1']).code).toBe(2);
    const gone = app([
      'register',
      '--nfc',
      'ws://127.0.0.1:1',
      '--profile',
      `${tmp.dir}/p2`,
      '--serial',
      image.citizen.document.number,
      '--pin',
      pin,
    ]);
    expect(gone.code).toBe(3);
    expect(gone.out).toContain('[CARD_NOT_DETECTED]');
    expect(app(['forget', ...base, image.citizen.nis]).code).toBe(0);
    expect(app(['forget', ...base, image.citizen.nis]).code).toBe(1);
  });
});
