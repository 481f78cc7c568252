import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { responseApdu } from '../apdu/response-apdu.ts';
import { SW_9000_OK } from '../apdu/status-words.ts';
import type { Application, HandlerEntry } from '../card/application.ts';
import type { CardModule } from '../card/card-module.ts';
import { fromHex, toHex } from '../bytes/hex.ts';
import { ISO_HANDLERS } from '../iso7816/iso-application.ts';
import { iasPersonalisationFromImage } from '../state/image-convert.ts';
import { atrChecksumOk, cieProfileSchema } from './cie-profile.ts';
import { CardCompositionError, createCieCard } from './cie-card.ts';
import { CIE_PROFILES, cieProfile } from './cie-profiles.ts';
import { defaultCardImage } from './default-card-image.ts';

const personalisation = iasPersonalisationFromImage(defaultCardImage());

/** Lines of a real-card data file next to this test (`#` lines are its source header). */
function realCardLines(name: string, prefix: string): string[] {
  const text = readFileSync(new URL(`./real-card/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length).trim());
}

function send(card: { transmit(c: Uint8Array): Uint8Array }, hex: string): string {
  return toHex(card.transmit(fromHex(hex)));
}

describe('CIE personalities (ias/README.md §1.1, §1.4)', () => {
  it('12 profiles: the 11 ATRs registered on Windows (CIE_1…CIE_11) plus Actalis B946, all distinct', () => {
    expect(CIE_PROFILES).toHaveLength(12);
    expect(new Set(CIE_PROFILES.map((p) => p.atr)).size).toBe(12);
    expect(
      CIE_PROFILES.map((p) => p.windowsCardName)
        .filter(Boolean)
        .sort(),
    ).toEqual(Array.from({ length: 11 }, (_, i) => `CIE_${i + 1}`).sort());
    for (const p of CIE_PROFILES) expect(atrChecksumOk(fromHex(p.atr)), p.id).toBe(true);
  });

  it('the Gemalto and Bit4id 2023 ATRs equal the real pcsc_scan read-outs (real-card/real-card-ATRs_pcsc_scan.txt)', () => {
    expect(realCardLines('real-card-ATRs_pcsc_scan.txt', 'ATR:')).toEqual([
      cieProfile('gemalto').atr,
      cieProfile('bit4id2').atr,
    ]);
    expect(cieProfile('gemalto').atr).toBe(
      '3B 8F 80 01 80 31 80 65 B0 85 04 00 11 12 0F FF 82 90 00 8A',
    );
    expect(cieProfile('bit4id2').atr).toBe(
      '3B 8F 80 01 80 31 80 65 49 54 4A 34 44 12 0F FF 82 90 00 8D',
    );
  });

  it('NXP EF.ATR is the real read-out (real-card/ef-atr-readouts.txt); Gemalto carries "IasEccRoot"; EF.ATRs end with 82 02 90 00 where complete', () => {
    const [nxp, gemalto2] = realCardLines('ef-atr-readouts.txt', '//');
    expect(`${cieProfile('nxp').efAtr} 90 00  MIA`).toBe(nxp);
    expect(gemalto2).toBe(`${cieProfile('gemalto2').efAtr} 90 00 // ANNULLATA`);
    expect(cieProfile('nxp').efAtr.replace(/ /g, '')).toBe(
      '80004301B84604101010104703940180E01002020104020200E6020200E6020200E6780806062B8122F8780282029000' +
        '00',
    );
    expect(toHex(fromHex(cieProfile('gemalto').efAtr))).toContain(
      toHex(new TextEncoder().encode('IasEccRoot')),
    );
    for (const p of CIE_PROFILES.filter((x) => x.id !== 'gemalto2'))
      expect(p.efAtr.replace(/ /g, ''), p.id).toMatch(/82029000(00)?$/);
  });

  it('profiles are validated: a wrong TCK or an unknown option is refused', () => {
    const p = cieProfile('nxp');
    expect(() =>
      cieProfileSchema.parse({
        ...p,
        atr: '3B 8E 80 01 80 31 80 65 49 54 4E 58 50 12 0F FF 82 90 F1',
      }),
    ).toThrow(/TCK/);
    expect(() => cieProfileSchema.parse({ ...p, card: { ...p.card, bogus: 1 } })).toThrow();
    expect(() => cieProfile('nope')).toThrow(/unknown CIE profile/);
  });

  for (const p of CIE_PROFILES) {
    it(`${p.id}: ATR on power-on; EF.ATR by SFI 1D (odd READ BINARY) and by SELECT 3F00 / 2F01 (§1.4)`, () => {
      const { card } = createCieCard({ personalisation, profile: p, strict: true });
      expect(toHex(card.powerOn(), ' ')).toBe(p.atr);
      const ef = fromHex(p.efAtr);
      const odd = send(card, '00B1001D0454020000E7');
      expect(odd.startsWith(`53${toHex(Uint8Array.of(ef.length))}${toHex(ef)}`)).toBe(true);
      expect(send(card, '00A40000023F00').endsWith('9000')).toBe(true);
      expect(send(card, '00A40204022F01').endsWith('9000')).toBe(true);
      const plain = send(card, '00B0000000');
      expect(plain.slice(0, -4)).toBe(toHex(ef));
    });

    it(`${p.id}: both IAS selection forms and both GET DATA forms are accepted (§1.3)`, () => {
      const { card } = createCieCard({ personalisation, profile: p, strict: true });
      card.powerOn();
      for (const select of ['00A4040C0DA0000000308000000009816001', '00A40000']) {
        expect(send(card, '00A4040C06A00000000039')).toBe('9000');
        expect(send(card, select).slice(-4)).toBe('9000');
        expect(send(card, '00A4020402D003').slice(-4)).toBe('9000');
      }
      const whole = send(card, '00CB3FFF0A4D087006BFA10102A380');
      expect(whole.startsWith('70820234BFA10182022EA382022A97820100')).toBe(true);
      for (const tag of ['97', '98', '99'])
        expect(send(card, `00CB3FFF0C4D0A7008BFA10104A302${tag}00`).startsWith('70')).toBe(true);
    });
  }
});

describe('card composition (extra modules)', () => {
  const app = (id: string, handlers: Application['handlers'] = new Map()): Application => ({
    id,
    handlers,
  });

  it('an MF child clashing with EF.ATR is reported with both owners', () => {
    const m: CardModule = {
      id: 'emrtd',
      applications: [],
      mfChildren: [{ kind: 'EF', fid: 0x2f01, content: new Uint8Array(1) }],
    };
    expect(() => createCieCard({ personalisation, extraModules: [m] })).toThrow(
      CardCompositionError,
    );
    expect(() => createCieCard({ personalisation, extraModules: [m] })).toThrow(
      /FID 2F01 .* 'ias' and 'emrtd'/,
    );
  });

  it('SFI and DF-name clashes too, and a module may not take the IAS AID', () => {
    const sfi: CardModule = {
      id: 'x',
      applications: [],
      mfChildren: [{ kind: 'EF', fid: 0x011c, sfi: 0x1d, content: new Uint8Array(1) }],
    };
    expect(() => createCieCard({ personalisation, extraModules: [sfi] })).toThrow(/SFI 1D/);
    const df: CardModule = {
      id: 'y',
      applications: [],
      mfChildren: [{ kind: 'DF', dfName: 'A0 00 00 00 00 39', children: [] }],
    };
    expect(() => createCieCard({ personalisation, extraModules: [df] })).toThrow(
      /DF name A00000000039/,
    );
    const ias: CardModule = {
      id: 'z',
      applications: [],
      mfChildren: [{ kind: 'DF', dfName: 'A0000000308000000009816001', children: [] }],
    };
    expect(() => createCieCard({ personalisation, extraModules: [ias] })).toThrow(/IAS AID/);
  });

  it('module files and DFs appear at MF level; extendMfHandlers wraps the MF table (PACE-style MSE C1 A4 and GENERAL AUTHENTICATE)', () => {
    const ga = {
      handle: () => responseApdu(SW_9000_OK, fromHex('7C00')),
      chaining: 'per-segment' as const,
    };
    const m: CardModule = {
      id: 'emrtd',
      applications: [app('emrtd', ISO_HANDLERS)],
      mfChildren: [
        { kind: 'EF', fid: 0x011c, sfi: 0x1c, content: fromHex('3114') },
        { kind: 'DF', dfName: 'A0 00 00 02 47 10 01', application: 'emrtd', children: [] },
      ],
      extendMfHandlers: (base) => {
        const baseMse = base.get(0x22)!;
        const mse: HandlerEntry = {
          ...baseMse,
          handle: (ctx, a) =>
            ((a.p1 << 8) | a.p2) === 0xc1a4 ? responseApdu(SW_9000_OK) : baseMse.handle(ctx, a),
        };
        return new Map([...base, [0x86, ga], [0x22, mse]]);
      },
    };
    const { card } = createCieCard({ personalisation, extraModules: [m], strict: true });
    card.powerOn();
    expect(send(card, '00A4020C02011C')).toBe('9000');
    expect(send(card, '00B0000002')).toBe('31149000');
    expect(send(card, '0022C1A40F800A04007F00070202040202830102')).toBe('9000');
    expect(send(card, '10860000027C0000')).toBe('7C009000');
    // Other MSE forms still reach the IAS MSE, which knows no key 85.
    expect(send(card, '002241A406800102840185')).toBe('6A88');
    expect(send(card, '00A4040C07A0000002471001')).toBe('9000');
    // From the eMRTD DF, the IAS AID (the MF's DF name) is found by the generic SELECT too.
    expect(send(card, '00A4040C0DA0000000308000000009816001')).toBe('9000');
    expect(send(card, '00A4020402D003').endsWith('9000')).toBe(true);
  });

  it('modules wrap the MF table in order: a later module sees and may override an earlier one', () => {
    const answer = (hex: string): HandlerEntry => ({
      handle: () => responseApdu(SW_9000_OK, fromHex(hex)),
    });
    const a: CardModule = {
      id: 'a',
      applications: [],
      mfChildren: [],
      extendMfHandlers: (base) => new Map([...base, [0xe2, answer('0A')], [0xe4, answer('0A')]]),
    };
    const b: CardModule = {
      id: 'b',
      applications: [],
      mfChildren: [],
      extendMfHandlers: (base) => new Map([...base, [0xe4, answer('0B')]]),
    };
    const { card } = createCieCard({ personalisation, extraModules: [a, b], strict: true });
    card.powerOn();
    expect(send(card, '00E2000000')).toBe('0A9000');
    expect(send(card, '00E4000000')).toBe('0B9000');
  });

  it('the MF carries the IAS AID: SELECT by AID from DF_CIE returns to the IAS root (§2.2)', () => {
    const { card } = createCieCard({ personalisation, strict: true });
    card.powerOn();
    expect(send(card, '00A4040C06A00000000039')).toBe('9000');
    expect(send(card, '00A4020402D003').slice(-4)).toBe('6A82');
    expect(send(card, '00A4040C0DA0000000308000000009816001')).toBe('9000');
    expect(send(card, '00A4020402D003').slice(-4)).toBe('9000');
    expect(send(card, '00A4040400A0').slice(-4)).not.toBe('6F00');
  });
});
