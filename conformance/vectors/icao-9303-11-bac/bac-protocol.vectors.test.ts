/**
 * ICAO Doc 9303-11 Appendix D.2–D.3 (BAC key derivation and mutual authentication) at protocol
 * level, both sides. Provenance: README.md in this folder. The full-card replay (GET CHALLENGE,
 * MUTUAL AUTHENTICATE and the D.4 secure-messaging exchange through the emulated eMRTD application)
 * is in `bac-card.vectors.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { bacCommandData, bacFinish } from '../../../emulator/src/protocols/bac/bac-terminal.ts';
import { bacMutualAuthenticate } from '../../../emulator/src/protocols/bac/bac-card.ts';
import {
  bacKeys,
  bacKeySeed,
  mrzInformation,
} from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { encodeSsc } from '../../../emulator/src/sm/sm-session.ts';
import d from './appendix-d.json' with { type: 'json' };

const keys = bacKeys(d.mrzInformation);

describe('ICAO 9303-11 Appendix D.2: key derivation from the MRZ', () => {
  it('D.2: MRZ_information with check digits 3 / 1 / 6', () => {
    expect(mrzInformation(d.documentNumber, d.birthDate, d.expiryDate)).toBe(d.mrzInformation);
  });
  it('D.2: K_seed = SHA-1(MRZ_information)[0..15]', () => {
    expect(toHex(bacKeySeed(d.mrzInformation))).toBe(d.kSeed);
  });
  it('D.2: K_enc and K_mac with parity adjusted', () => {
    expect(toHex(keys.kEnc)).toBe(d.kEnc);
    expect(toHex(keys.kMac)).toBe(d.kMac);
  });
});

describe('ICAO 9303-11 Appendix D.3: authentication and session keys', () => {
  it('D.3: the terminal computes E.IFD ‖ M.IFD', () => {
    expect(toHex(bacCommandData(keys, fromHex(d.rndIc), fromHex(d.rndIfd), fromHex(d.kIfd)))).toBe(
      d.eIfd + d.mIfd,
    );
  });

  it('D.3: the chip answers E.IC ‖ M.IC and both sides derive KS_enc, KS_mac and the SSC', () => {
    const card = bacMutualAuthenticate(
      keys,
      fromHex(d.rndIc),
      fromHex(d.eIfd + d.mIfd),
      fromHex(d.kIc),
    );
    expect(toHex(card.data)).toBe(d.mutualAuthenticate.response.slice(0, -4));
    const terminal = bacFinish(
      keys,
      fromHex(d.rndIc),
      fromHex(d.rndIfd),
      fromHex(d.kIfd),
      card.data,
    );
    for (const s of [card.session, terminal]) {
      expect(toHex(s.kEnc)).toBe(d.ksEnc);
      expect(toHex(s.kMac)).toBe(d.ksMac);
      expect(toHex(encodeSsc(s))).toBe(d.ssc);
    }
  });

  it('D.3: the chip refuses a cryptogram whose MAC is corrupted (6300) and one echoing another RND.IC (6300)', () => {
    const data = fromHex(d.eIfd + d.mIfd);
    data[39] = (data[39] as number) ^ 0x01;
    expect(() => bacMutualAuthenticate(keys, fromHex(d.rndIc), data, fromHex(d.kIc))).toThrow(
      expect.objectContaining({ sw: 0x6300 }),
    );
    const otherChallenge = fromHex(d.rndIc);
    otherChallenge[0] = (otherChallenge[0] as number) ^ 0xff;
    expect(() =>
      bacMutualAuthenticate(keys, otherChallenge, fromHex(d.eIfd + d.mIfd), fromHex(d.kIc)),
    ).toThrow(expect.objectContaining({ sw: 0x6300 }));
  });

  it('D.3: the terminal refuses a chip answer with a corrupted MAC', () => {
    const response = fromHex(d.mutualAuthenticate.response.slice(0, -4));
    response[35] = (response[35] as number) ^ 0x80;
    expect(() =>
      bacFinish(keys, fromHex(d.rndIc), fromHex(d.rndIfd), fromHex(d.kIfd), response),
    ).toThrow(/M.IC/);
  });
});
