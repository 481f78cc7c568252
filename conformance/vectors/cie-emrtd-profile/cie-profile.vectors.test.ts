/**
 * CIE-profile regression vectors of emrtd/README.md §3.6 and §1.7. These are GENERATED
 * EXAMPLES, NOT OFFICIAL and not from a real card (see README.md): they pin the CIE code path
 * (PACE DH-GM, RFC 5114 2048/256, 3DES, CAN, 8-byte nonce) that no ICAO appendix covers.
 */
import { describe, expect, it } from 'vitest';
import { parseTlvs, tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { asciiBytes, bytesToBigInt } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { parseCommandApdu, encodeCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { sha256 } from '../../../emulator/src/crypto/hash.ts';
import {
  bacKeys,
  bacKeySeed,
  mrzInformationFromTd1,
} from '../../../emulator/src/protocols/bac/bac-keys.ts';
import type { AgreementDomain } from '../../../emulator/src/protocols/domain/agreement-domain.ts';
import { paceProtocol } from '../../../emulator/src/protocols/oids.ts';
import {
  paceGeneralAuthenticate,
  paceSetAt,
  type PaceCardConfig,
  type PaceEntropy,
} from '../../../emulator/src/protocols/pace/pace-card.ts';
import {
  digitsPassword,
  gaTemplate,
  mrzPassword,
  passwordKey,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import { parseSecurityInfos } from '../../../emulator/src/protocols/security-infos.ts';
import { wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import v from './cie-profile.json' with { type: 'json' };

const protocol = paceProtocol(v.oidDotted);
if (!protocol) throw new Error('OID not decoded');

/** SHA-256("cie-emu-vector-1|<purpose>") mod (q − 1) + 1, as emrtd/README.md §3.6 defines the keys. */
function vectorKey(domain: AgreementDomain, purpose: string): bigint {
  return (
    (bytesToBigInt(sha256(asciiBytes(`cie-emu-vector-1|${purpose}`))) % (domain.order - 1n)) + 1n
  );
}

const nonce = sha256(asciiBytes('cie-emu-vector-1|nonce')).slice(0, 8);

describe('emrtd/README.md §3.6 CIE-profile regression vectors (generated example, not official)', () => {
  it('§3.6: EF.CardAccess of the CIE decodes to one PACEInfo DH-GM-3DES, version 2, parameterId 2', () => {
    const infos = parseSecurityInfos(fromHex(v.efCardAccess));
    expect(infos).toEqual([{ type: 'pace', protocol, version: 2, parameterId: 2 }]);
  });

  it('§3.6 / §1.5: CAN 123456 → K_π', () => {
    expect(toHex(passwordKey(digitsPassword(v.can), protocol.cipher))).toBe(v.kPi);
  });

  it('§3.6: both sides of PACE-CAN reproduce s, z, PK_map hash, K hash, session keys and both tokens', () => {
    const config: PaceCardConfig = {
      paceInfos: parseSecurityInfos(fromHex(v.efCardAccess)).flatMap((i) =>
        i.type === 'pace' ? [i] : [],
      ),
      passwords: new Map([[2, digitsPassword(v.can)]]),
      nonceLength: v.nonceLength,
      chaining: 'strict',
      cvcaReferences: [],
    };
    const chip: PaceEntropy = {
      nonce: () => nonce,
      privateKey: (d, purpose) => vectorKey(d, purpose === 'mapping' ? 'map-ic' : 'eph-ic'),
    };
    const terminal = new PaceTerminal(protocol, v.parameterId, digitsPassword(v.can), {
      privateKey: (d, purpose) => vectorKey(d, purpose === 'mapping' ? 'map-pcd' : 'eph-pcd'),
    });
    let state = paceSetAt(config, parseTlvs(fromHex('800A04007F00070202040101830102')));
    const ga = (data: Uint8Array, chained: boolean): Uint8Array => {
      const r = paceGeneralAuthenticate(state, config, data, chained, chip);
      state = r.state;
      return (
        parseTlvs(parseTlvs(r.data)[0]?.value ?? new Uint8Array(0))[0]?.value ?? new Uint8Array(0)
      );
    };
    const z = ga(gaTemplate(), true);
    expect(toHex(nonce)).toBe(v.nonce);
    expect(toHex(z)).toBe(v.encryptedNonce);
    const pkMapPcd = terminal.mappingKey(z);
    expect(toHex(sha256(pkMapPcd))).toBe(v.sha256PkMapPcd);
    const pkMapIc = ga(gaTemplate(tlv(0x81, pkMapPcd)), true);
    const pkPcd = terminal.ephemeralKey(pkMapIc);
    const pkIc = ga(gaTemplate(tlv(0x83, pkPcd)), true);
    const tPcd = terminal.token(pkIc);
    expect(toHex(sha256(terminal.secret ?? new Uint8Array(0)))).toBe(v.sha256SharedSecret);
    expect(toHex(tPcd)).toBe(v.tPcd);
    const tIc = ga(gaTemplate(tlv(0x85, tPcd)), false);
    expect(toHex(tIc)).toBe(v.tIc);
    const session = terminal.finish(tIc);
    expect(toHex(session.kEnc)).toBe(v.ksEnc);
    expect(toHex(session.kMac)).toBe(v.ksMac);
    const first = wrapCommand(session, parseCommandApdu(fromHex(v.firstSmCommand.plain)));
    expect(toHex(encodeCommandApdu(first.apdu))).toBe(v.firstSmCommand.protected);
  });

  it('§1.7: synthetic MRZ profile → BAC K_seed, K_enc, K_mac and PACE-MRZ K_π (3DES)', () => {
    const info = mrzInformationFromTd1(v.syntheticMrz.lines as [string, string, string]);
    expect(info).toBe(v.syntheticMrz.mrzInformation);
    expect(toHex(bacKeySeed(info))).toBe(v.syntheticMrz.kSeed);
    const keys = bacKeys(info);
    expect(toHex(keys.kEnc)).toBe(v.syntheticMrz.bacKEnc);
    expect(toHex(keys.kMac)).toBe(v.syntheticMrz.bacKMac);
    expect(toHex(passwordKey(mrzPassword(info), '3DES'))).toBe(v.syntheticMrz.paceMrzKPi3des);
  });
});
