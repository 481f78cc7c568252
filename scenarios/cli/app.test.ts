/**
 * `ciebench app` through the command line's entry point: register with the PIN from the
 * environment, list as JSON (no PIN digits anywhere in the output or the profile), a wrong PIN
 * (exit 1, the app's text), bad input (exit 2), no card answering (exit 3), conflicting channel
 * options (exit 2), change PIN and forget.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { runCli } from '../../harness/cli/testing/run-cli.ts';
import { tempDir } from '../app/testing.ts';

const tmp = tempDir('app-cli');
afterAll(() => tmp.cleanup());
const image = defaultCardImage();
const card = `${tmp.dir}/card.json`;
writeFileSync(card, JSON.stringify(image));
const base = ['--card', card, '--profile', `${tmp.dir}/profile`];
const serial = image.citizen.document.number;
const pin = image.state.pin.value;

async function app(args: string[], env: Record<string, string> = {}) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runCli('app', ...args);
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

describe('ciebench app', () => {
  it('exit codes 0/1/2/3 and no PIN digits in the output or the profile', async () => {
    const wrong = await app(['register', ...base, '--serial', serial], {
      CIEBENCH_PIN: '99999999',
    });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toContain('[WRONG_PIN] Hai digitato un PIN ERRATO.');
    const ok = await app(['register', ...base, '--serial', serial], { CIEBENCH_PIN: pin });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Carta registrata: ${serial}`);
    const list = await app(['list', ...base, '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { nis: image.citizen.nis, pinHalfStatus: 'ok' },
    ]);
    for (const text of [wrong.stdout, ok.stdout, list.stdout])
      expect(text).not.toContain(pin.slice(0, 4));
    for (const f of readdirSync(`${tmp.dir}/profile/cards`))
      expect(readFileSync(`${tmp.dir}/profile/cards/${f}`, 'utf8')).not.toContain(
        `"${pin.slice(0, 4)}"`,
      );

    expect((await app(['register', ...base, '--serial', 'X1', '--pin', pin])).exitCode).toBe(2);
    const both = await app(['list', '--card', card, '--nfc', 'ws://127.0.0.1:1']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('choose one of --nfc, --reader, --card');
    expect((await app(['list', '--card', 'no-such-card'])).exitCode).toBe(2);
    const gone = await app([
      'register',
      '--nfc',
      'ws://127.0.0.1:1',
      '--profile',
      `${tmp.dir}/p2`,
      '--serial',
      serial,
      '--pin',
      pin,
    ]);
    expect(gone.exitCode).toBe(3);
    expect(gone.stdout).toContain('[CARD_NOT_DETECTED]');

    const weak = await app(['change-pin', ...base, '--old', pin, '--new', '12345678']);
    expect(weak.exitCode).toBe(2);
    expect(weak.stdout).toContain('[NEW_PIN_WEAK]');
    const changed = await app(['change-pin', ...base, '--old', pin, '--new', '13572468']);
    expect(changed.stdout).toContain('PIN cambiato');
    expect(changed.exitCode).toBe(0);
    expect((await app(['forget', ...base, image.citizen.nis])).exitCode).toBe(0);
    expect((await app(['forget', ...base, image.citizen.nis])).exitCode).toBe(1);
  });
});
