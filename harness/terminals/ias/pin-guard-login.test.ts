/**
 * The IAS login through the last-try PIN guard (harness/pcsc/pin-guard.ts), as `ciebench ias login
 * --pcsc` runs it against a physical card: under secure messaging the guard cannot probe by itself,
 * so the terminal asks for the tries left first (VERIFY without data, ISO/IEC 7816-4:2020 §7.5.6)
 * and the guard reads the answer from DO 99.
 */
import { describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { PinGuardChannel } from '../../pcsc/pin-guard.ts';
import { loginFlow } from './flows.ts';
import { rig, trustOf } from './testing.ts';

const trust = trustOf(defaultCardImage());
const wrongPin = (pin: string): string => pin.replace(/.$/, (d) => String((Number(d) + 1) % 10));

describe('IAS login behind the last-try PIN guard', () => {
  it('without a tries probe the guard refuses the protected VERIFY (unknown count)', async () => {
    const r = rig();
    const report = await loginFlow(new PinGuardChannel(r.channel), { trust, pin: r.pin });
    expect(report.verdict).toBe('fail');
    expect(JSON.stringify(report.error)).toMatch(/PIN_GUARD_UNKNOWN_TRIES/);
  });

  it('with the probe the login passes, and the probe consumed no try', async () => {
    const r = rig();
    const report = await loginFlow(new PinGuardChannel(r.channel), {
      trust,
      pin: r.pin,
      probeTries: true,
    });
    expect(report.verdict).toBe('pass');
    expect(report.steps.map((s) => s.name)).toContain('tries left (PIN)');
    expect(r.cie.secrets.read().pin.remaining).toBe(3);
  });

  it('one try left: the guard refuses the VERIFY unless the last try is allowed', async () => {
    const r = rig();
    for (let i = 0; i < 2; i++)
      expect((await loginFlow(r.channel, { trust, pin: wrongPin(r.pin) })).verdict).toBe('fail');
    expect(r.cie.secrets.read().pin.remaining).toBe(1);
    const refused = await loginFlow(new PinGuardChannel(r.channel), {
      trust,
      pin: r.pin,
      probeTries: true,
    });
    expect(JSON.stringify(refused.error)).toMatch(/PIN_GUARD_LAST_TRY/);
    expect(r.cie.secrets.read().pin.remaining).toBe(1);
    const allowed = await loginFlow(new PinGuardChannel(r.channel, { allowLastTry: true }), {
      trust,
      pin: r.pin,
      probeTries: true,
    });
    expect(allowed.verdict).toBe('pass');
    expect(r.cie.secrets.read().pin.remaining).toBe(3);
  });
});
