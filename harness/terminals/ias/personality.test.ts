import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { CIE_PROFILES, cieProfile } from '../../../emulator/src/profiles/cie-profiles.ts';
import {
  desktopBehaviour,
  detectFromAtr,
  detectFromEfAtr,
  isMultisetSubset,
} from './personality.ts';

describe('card-type detection as the clients do it (ias/README.md §1.2–1.3)', () => {
  for (const p of CIE_PROFILES) {
    it(`${p.id}: the desktop table classifies its ATR as ${p.middlewareType}`, () => {
      expect(detectFromAtr(fromHex(p.atr))).toBe(p.middlewareType);
    });
  }

  it('matching is multiset inclusion, not a substring', () => {
    expect(isMultisetSubset(fromHex('01 80 80'), fromHex('80 01 02 80'))).toBe(true);
    expect(isMultisetSubset(fromHex('01 01'), fromHex('80 01 02 80'))).toBe(false);
  });

  it('unknown CIE-ish ATRs are not recognised (all-zero history, FF FF status; §1.1 last paragraph)', () => {
    expect(
      detectFromAtr(fromHex('3B 8F 80 01 00 00 00 00 00 00 00 00 00 00 00 FF 82 90 00 E3')),
    ).toBeUndefined();
  });

  it('desktop behaviour: select by AID before NXP in the enum, 00 A4 00 00 after; template GET DATA only for Gemalto', () => {
    expect(desktopBehaviour('CIE_Gemalto')).toEqual({ iasSelect: 'aid', getData: 'template' });
    expect(desktopBehaviour('CIE_Gemalto2')).toEqual({ iasSelect: 'aid', getData: 'separate' });
    expect(desktopBehaviour('CIE_STM3').iasSelect).toBe('aid');
    expect(desktopBehaviour('CIE_NXP').iasSelect).toBe('mf');
    expect(desktopBehaviour('CIE_BIT4ID3').iasSelect).toBe('mf');
  });

  it('mobile EF.ATR families (§1.4)', () => {
    expect(detectFromEfAtr(fromHex(cieProfile('nxp').efAtr))).toBe('NXP');
    expect(detectFromEfAtr(fromHex(cieProfile('stm3').efAtr))).toBe('ST');
    expect(detectFromEfAtr(fromHex(cieProfile('actalis').efAtr))).toBe('Actalis');
    expect(detectFromEfAtr(fromHex(cieProfile('gemalto').efAtr))).toBe('Gemalto');
    expect(detectFromEfAtr(fromHex(cieProfile('gemalto2').efAtr))).toBeUndefined();
  });
});
