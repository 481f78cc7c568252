/**
 * The full login (DH + DAPP + VERIFY + read certificate + sign, the
 * signature verified with the certificate) on every personality, through the desktop and the
 * mobile (Android, iOS) command sequences of ias/README.md §5 and §8.1; plus the enrolment and NIS
 * flows, and the personality-dependent command forms the terminal must pick.
 */
import { describe, expect, it } from 'vitest';
import { CIE_PROFILES } from '../../../emulator/src/profiles/cie-profiles.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { desktopEnrolmentPrePin, loginFlow, nisFlow, type FlowReport } from './flows.ts';
import { TERMINAL_STYLES } from './styles.ts';
import { rig, testCard, trustOf } from './testing.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';

const image = defaultCardImage();
const trust = trustOf(image);
const pin = image.state.pin.value;

function commands(r: FlowReport<unknown>): string[] {
  return r.steps.flatMap((s) => s.apdus.map((a) => a.command));
}

function plainCommands(r: FlowReport<unknown>): string[] {
  return r.steps.flatMap((s) => s.apdus.map((a) => a.plainCommand ?? a.command));
}

describe('full login on every personality and client (ias/README.md §5, §7, §8.1)', () => {
  for (const profile of CIE_PROFILES) {
    for (const style of TERMINAL_STYLES) {
      it(`${profile.id} / ${style}: DH + DAPP + VERIFY + certificate + sign verified with the certificate`, async () => {
        const { card } = testCard({ profile: profile.id, seed: `${profile.id}-${style}` });
        const r = await loginFlow(new InProcessChannel(card), {
          pin,
          style,
          trust,
          rng: seededRng(style),
        });
        expect(r.error).toBeUndefined();
        expect(r.verdict).toBe('pass');
        expect(
          r.steps.find((s) => s.name === 'verify signature with the certificate')?.verdict,
        ).toBe('pass');
        expect(r.result?.pin).toEqual({ ok: true });
        expect(card.faults).toEqual([]);
      });
    }
  }
});

describe('the command sequences differ as the clients do (§1.3, §4.2, §8.1)', () => {
  const run = async (
    profile: string,
    style: 'desktop' | 'android' | 'ios',
  ): Promise<FlowReport<unknown>> =>
    loginFlow(new InProcessChannel(testCard({ profile }).card), {
      pin,
      style,
      trust,
      rng: seededRng('x'),
    });

  it('desktop selects Gemalto/ST by AID and NXP/ITJ4 with 00 A4 00 00 (§1.3)', async () => {
    expect(commands(await run('gemalto2', 'desktop'))).toContain(
      '00A4040C0DA0000000308000000009816001',
    );
    expect(commands(await run('stm3', 'desktop'))).toContain(
      '00A4040C0DA0000000308000000009816001',
    );
    const nxp = commands(await run('nxp', 'desktop'));
    expect(nxp).toContain('00A40000');
    expect(nxp).not.toContain('00A4040C0DA0000000308000000009816001');
    expect(commands(await run('actalis-b946', 'desktop'))).toContain('00A40000');
  });

  it('desktop asks Gemalto for the whole DH template, the others for g, p, q separately (§1.3)', async () => {
    const gem = commands(await run('gemalto', 'desktop'));
    expect(gem).toContain('00CB3FFF0A4D087006BFA10102A380');
    expect(gem.filter((c) => c.startsWith('00CB3FFF0C4D0A7008BFA10104A302'))).toHaveLength(0);
    const st = commands(await run('stm', 'desktop'));
    expect(st.filter((c) => c.startsWith('00CB3FFF0C4D0A7008BFA10104A302'))).toHaveLength(3);
  });

  it('desktop adds DO 97 00 to MSE SET DST; mobile does not (§4.2 item 8)', async () => {
    const dst = (r: FlowReport<unknown>): string | undefined =>
      r.steps.flatMap((s) => s.apdus).find((a) => a.plainCommand?.startsWith('002281B6'))
        ?.plainCommand;
    expect(dst(await run('nxp', 'desktop'))).toBe('002281B6068001418301840' + '0');
    expect(dst(await run('nxp', 'android'))).toBe('002281B606800141830184');
  });

  it('KAT is chained 255 + rest in plain; certificate and EXTERNAL AUTHENTICATE chained 231 + rest under SM (§3 rows 10, 12, 15)', async () => {
    const r = await run('actalis', 'android');
    const c = commands(r);
    expect(c.some((x) => x.startsWith('102241A6FF'))).toBe(true);
    const p = plainCommands(r);
    expect(p.some((x) => x.startsWith('102A00AEE7'))).toBe(true);
    expect(p.some((x) => x.startsWith('002A00AE7B'))).toBe(true);
    expect(p.some((x) => x.startsWith('10820000E7'))).toBe(true);
    expect(p.some((x) => x.startsWith('0082000021'))).toBe(true);
  });

  it('iOS signs with MSE SET AT 84 01 81 80 01 02; desktop and Android 80 01 02 84 01 81 (§3 row 22)', async () => {
    expect(plainCommands(await run('nxp', 'ios'))).toContain('002241A406840181800102');
    expect(plainCommands(await run('nxp', 'android'))).toContain('002241A406800102840181');
  });

  it('long SM responses: one 291-byte response on ITJ4, 61xx + GET RESPONSE on NXP (§4.4)', async () => {
    const itj4 = (await run('actalis2', 'android')).steps.flatMap((s) => s.apdus);
    expect(itj4.some((a) => a.response.length / 2 === 293)).toBe(true);
    const nxp = (await run('nxp', 'desktop')).steps.flatMap((s) => s.apdus);
    expect(nxp.some((a) => a.response.endsWith('6123'))).toBe(true);
    expect(nxp.some((a) => a.command === '00C0000023')).toBe(true);
  });

  it('mobile logins read the NIS with SELECT 1001 + 00 B0 00 00 0C (§8.1 step 1); the desktop signs the PAN with the servizi key first (§5.5)', async () => {
    const mobile = commands(await run('nxp', 'android'));
    expect(mobile).toContain('00A40404 06A00000000039'.replace(' ', ''));
    expect(mobile).toContain('00B000000C');
    const desktop = commands(await run('nxp', 'desktop'));
    expect(desktop).toContain('002241A406800102840183');
    expect(desktop.some((c) => c.startsWith('008800000C'))).toBe(true);
  });

  it('iOS falls back to 00 A4 00 00 when the IAS AID is answered 6A82 (§1.2, §12 item 9)', async () => {
    const { card } = testCard({ iasOptions: { iasAidSelect: 'not-found' } });
    const r = await loginFlow(new InProcessChannel(card), {
      pin,
      style: 'ios',
      trust,
      rng: seededRng('y'),
    });
    expect(r.verdict).toBe('pass');
    const c = commands(r);
    expect(c).toContain('00A4040C0DA0000000308000000009816001');
    expect(c).toContain('00A40000');
  });

  it('a T=0-style personality (every case-4 answer via 61xx, the servizi "61 00" of §3 row 25) still logs in', async () => {
    const { card } = testCard({ options: { t0Case4: true } });
    const r = await loginFlow(new InProcessChannel(card), {
      pin,
      style: 'android',
      trust,
      rng: seededRng('z'),
    });
    expect(r.verdict).toBe('pass');
    expect(commands(r).some((c) => c.startsWith('00C00000'))).toBe(true);
  });

  it('an unknown ATR makes the desktop flow stop before any APDU ("CIE not recognized", §1.2)', async () => {
    const { card } = testCard();
    const atr = Uint8Array.of(0x3b, 0x00);
    const fake: Card = {
      atr,
      get powered() {
        return card.powered;
      },
      powerOn: () => (card.powerOn(), atr),
      powerOff: () => card.powerOff(),
      reset: () => (card.reset(), atr),
      transmit: (c) => card.transmit(c),
    };
    const r = await loginFlow(new InProcessChannel(fake), { pin, style: 'desktop', trust });
    expect(r.verdict).toBe('fail');
    expect(r.error?.code).toBe('CARD_NOT_RECOGNIZED');
  });
});

describe('enrolment and NIS flows (§5.1 A and B)', () => {
  for (const profile of CIE_PROFILES) {
    it(`${profile.id}: desktop enrolment before PIN verifies NIS ⇔ SN.ICC, the servizi signature and EF.SOD`, async () => {
      const r = await desktopEnrolmentPrePin(
        new InProcessChannel(testCard({ profile: profile.id }).card),
        { trust },
      );
      expect(r.error).toBeUndefined();
      expect(r.result?.nis).toBe(image.citizen.nis);
    });
  }

  it('the servizi signature of the enrolment is deterministic (the desktop derives its cache key from it, §5.1 A step 6)', async () => {
    const a = await desktopEnrolmentPrePin(new InProcessChannel(testCard({ seed: 'a' }).card), {
      trust,
    });
    const b = await desktopEnrolmentPrePin(new InProcessChannel(testCard({ seed: 'b' }).card), {
      trust,
    });
    expect(a.result?.serviziSignature).toBeDefined();
    expect(a.result?.serviziSignature).toBe(b.result?.serviziSignature);
  });

  for (const style of ['android', 'ios'] as const) {
    it(`${style}: NIS flow returns NIS, EF 1005, EF.SOD and a verified servizi signature`, async () => {
      const r = await nisFlow(new InProcessChannel(testCard().card), {
        style,
        trust,
        rng: seededRng(style),
      });
      expect(r.error).toBeUndefined();
      expect(r.result?.nis).toBe(image.citizen.nis);
      expect(commands(r)).toContain('00B081000C');
    });
  }

  it('EF.SOD validation fails against a CSCA that did not issue the DS', async () => {
    const r = await nisFlow(new InProcessChannel(testCard().card), {
      style: 'android',
      trust: { csca: [trust.holderCa[0] as Uint8Array], holderCa: [] },
    });
    expect(r.verdict).toBe('fail');
    expect(r.error?.code).toBe('SOD_INVALID');
  });

  it('the login fails precisely with a wrong PIN (63C2 inside DO 99) and reports the step', async () => {
    const t = rig();
    const r = await loginFlow(t.channel, { pin: '00000000', trust });
    expect(r.verdict).toBe('fail');
    expect(r.error).toMatchObject({ code: 'PIN_WRONG', sw: '63C2' });
    expect(r.steps.at(-2)?.name).toBe('VERIFY PIN');
    expect(r.steps.at(-1)).toMatchObject({ name: 'PIN accepted', verdict: 'fail' });
  });
});
