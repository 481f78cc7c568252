/**
 * PIN lifecycle on a card image file — 3 wrong PINs → 6983 and signing
 * refused; PUK unblock with a new PIN; change PIN; 10 wrong PUKs → blocked for ever — and every
 * state survives a restart (the card is re-opened from the file; the last check reads it from a
 * separate Node process).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { openCieCard } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { changePinFlow, loginFlow, unblockPinFlow } from './flows.ts';
import { IasTerminal } from './ias-terminal.ts';
import { openSecureChannel, trustOf } from './testing.ts';

const image = defaultCardImage();
const trust = trustOf(image);
const PIN = image.state.pin.value;
const PUK = image.state.puk.value;
const NEW_PIN = '24681357';
const NEWER_PIN = '11223344';
let dir: string;
let path: string;

/** A "restart": a brand-new card object whose state comes only from the file. */
function boot(): InProcessChannel {
  const c = openCieCard(path, { rng: seededRng('lifecycle'), strict: true });
  return new InProcessChannel(c.card, c.profile.label);
}

async function login(pin: string): Promise<{ verdict: string; code?: string; sw?: string }> {
  const r = await loginFlow(boot(), { pin, trust, rng: seededRng(pin) });
  return {
    verdict: r.verdict,
    ...(r.error ? { code: r.error.code, ...(r.error.sw ? { sw: r.error.sw } : {}) } : {}),
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ciebench-pin-'));
  path = join(dir, 'card.json');
  writeCardImageAtomic(path, image);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PIN and PUK lifecycle across restarts (ias/README.md §5.5, §6)', () => {
  it('a correct PIN restores the counter: wrong, wrong, right, wrong → 63C2, 63C1, ok, 63C2', async () => {
    expect(await login('00000000')).toMatchObject({ code: 'PIN_WRONG', sw: '63C2' });
    expect(await login('00000000')).toMatchObject({ code: 'PIN_WRONG', sw: '63C1' });
    expect(await login(PIN)).toEqual({ verdict: 'pass' });
    expect(await login('00000000')).toMatchObject({ sw: '63C2' });
    expect(await login(PIN)).toEqual({ verdict: 'pass' });
  });

  it('3 wrong PINs → 63C2, 63C1, 63C0, then 6983 even for the right PIN, after a restart too', async () => {
    expect((await login('99999999')).sw).toBe('63C2');
    expect((await login('99999999')).sw).toBe('63C1');
    expect((await login('99999999')).sw).toBe('63C0');
    expect(readCardImage(path).state.pin).toMatchObject({ remaining: 0, blocked: true });
    expect(await login(PIN)).toMatchObject({ code: 'PIN_BLOCKED', sw: '6983' });
  });

  it('with the PIN blocked, signing is refused (6982)', async () => {
    const t = new IasTerminal(boot(), { rng: seededRng('sign') });
    await openSecureChannel(t);
    await expect(t.sign(new Uint8Array(51).fill(1))).rejects.toMatchObject({
      code: 'UNEXPECTED_SW',
      sw: 0x6982,
    });
  });

  it('PUK unblock with a new PIN (VERIFY PUK + RESET RETRY COUNTER 02); the old PIN no longer works', async () => {
    const r = await unblockPinFlow(boot(), {
      puk: PUK,
      newPin: NEW_PIN,
      trust,
      rng: seededRng('unblock'),
    });
    expect(r.error).toBeUndefined();
    expect(readCardImage(path).state.pin).toMatchObject({
      value: NEW_PIN,
      remaining: 3,
      blocked: false,
    });
    expect(await login(NEW_PIN)).toEqual({ verdict: 'pass' });
    expect((await login(PIN)).sw).toBe('63C2');
    expect(await login(NEW_PIN)).toEqual({ verdict: 'pass' });
  });

  it('the PKCS#11 C_InitPIN path (RESET RETRY COUNTER 03, then 02) works too', async () => {
    const r = await unblockPinFlow(boot(), {
      puk: PUK,
      newPin: NEW_PIN,
      initPinPath: true,
      trust,
      rng: seededRng('init'),
    });
    expect(r.error).toBeUndefined();
    expect(r.steps.filter((s) => s.name === 'RESET RETRY COUNTER')).toHaveLength(2);
  });

  it('change PIN (VERIFY old + CHANGE REFERENCE DATA) survives a restart', async () => {
    const r = await changePinFlow(boot(), {
      oldPin: NEW_PIN,
      newPin: NEWER_PIN,
      trust,
      rng: seededRng('change'),
    });
    expect(r.result).toEqual({ ok: true });
    expect(await login(NEWER_PIN)).toEqual({ verdict: 'pass' });
    expect((await login(NEW_PIN)).sw).toBe('63C2');
    expect(await login(NEWER_PIN)).toEqual({ verdict: 'pass' });
  });

  it('10 wrong PUKs → 63C9 … 63C0, then 6983 for ever (also after a restart); the PIN keeps working', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await unblockPinFlow(boot(), {
        puk: '00000000',
        newPin: NEW_PIN,
        trust,
        rng: seededRng(`puk${i}`),
      });
      const v = r.result;
      seen.push(v && !v.ok ? v.sw.toString(16).toUpperCase() : 'ok');
    }
    expect(seen).toEqual([
      '63C9',
      '63C8',
      '63C7',
      '63C6',
      '63C5',
      '63C4',
      '63C3',
      '63C2',
      '63C1',
      '63C0',
      '6983',
    ]);
    const right = await unblockPinFlow(boot(), {
      puk: PUK,
      newPin: NEW_PIN,
      trust,
      rng: seededRng('late'),
    });
    expect(right.result).toMatchObject({ ok: false, blocked: true });
    expect(readCardImage(path).state.puk).toMatchObject({ remaining: 0, blocked: true });
    expect(await login(NEWER_PIN)).toEqual({ verdict: 'pass' });
  });

  it('a separate Node process reads back exactly the state this one left', async () => {
    const script = `import { readCardImage } from ${JSON.stringify(new URL('../../../emulator/src/state/image-file.ts', import.meta.url).pathname)};
      const s = readCardImage(process.argv[1]).state; process.stdout.write(JSON.stringify(s));`;
    // Asynchronous: a synchronous spawn blocks this vitest worker past its RPC deadline when busy.
    const { stdout: out } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, path],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({
      pin: { value: NEWER_PIN, remaining: 3, max: 3, blocked: false },
      puk: { value: PUK, remaining: 0, max: 10, blocked: true },
    });
  });
});
