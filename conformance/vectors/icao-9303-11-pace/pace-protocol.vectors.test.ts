/**
 * ICAO Doc 9303-11 Appendix G.1 (PACE ECDH-GM, brainpoolP256r1) and G.2 (PACE DH-GM, RFC 5114
 * 1024/160) at protocol level: the terminal-side steps and the chip-side state machine, each with
 * the published private keys, must reproduce every published intermediate value. Provenance:
 * README.md in this folder. (The same vectors replayed as APDUs through an emulated card are in
 * `pace-card.vectors.test.ts`.)
 */
import { describe, expect, it } from 'vitest';
import { parseTlvs } from '../../../emulator/src/bytes/ber-tlv.ts';
import { bytesToBigInt } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { standardDomain } from '../../../emulator/src/protocols/domain/standard-domains.ts';
import { kdf, KDF_ENC, KDF_MAC } from '../../../emulator/src/protocols/kdf.ts';
import { paceProtocol } from '../../../emulator/src/protocols/oids.ts';
import {
  paceGeneralAuthenticate,
  paceSetAt,
  type PaceCardConfig,
  type PaceEntropy,
} from '../../../emulator/src/protocols/pace/pace-card.ts';
import {
  gaTemplate,
  mrzPassword,
  passwordKey,
  tokenInput,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import g1 from './appendix-g1.json' with { type: 'json' };
import g2 from './appendix-g2.json' with { type: 'json' };

const VECTORS = [
  { name: 'G.1 (ECDH-GM brainpoolP256r1 AES-128)', v: g1 },
  { name: 'G.2 (DH-GM 1024/160 AES-128)', v: g2 },
] as const;

function scripted(
  values: Record<'mapping' | 'agreement', string>,
  nonce?: string,
): PaceEntropy & { privateKey: PaceEntropy['privateKey'] } {
  return {
    nonce: (n) => {
      const b = fromHex(nonce ?? '');
      if (b.length !== n) throw new Error(`scripted nonce has ${b.length} bytes, ${n} asked`);
      return b;
    },
    privateKey: (_d, purpose) => bytesToBigInt(fromHex(values[purpose])),
  };
}

describe.each(VECTORS)('ICAO 9303-11 Appendix $name', ({ v }) => {
  const protocol = paceProtocol(v.oidDotted);
  if (!protocol) throw new Error('vector OID not decoded');

  it('π = SHA-1(MRZ_information) and K_π = KDF(π, 3) (9303-11 §9.7.3)', () => {
    expect(toHex(passwordKey(mrzPassword(v.mrzInformation), protocol.cipher))).toBe(v.kPi);
  });

  it('terminal side: mapping key, mapped generator, ephemeral key, K, KS_enc/KS_mac, T_PCD, T_IC check', () => {
    const terminal = new PaceTerminal(
      protocol,
      v.parameterId,
      mrzPassword(v.mrzInformation),
      scripted({ mapping: v.skMapPcd, agreement: v.skPcd }),
    );
    expect(toHex(terminal.mappingKey(fromHex(v.encryptedNonce)))).toBe(v.pkMapPcd);
    expect(toHex(terminal.nonce ?? new Uint8Array(0))).toBe(v.nonce);
    expect(toHex(terminal.ephemeralKey(fromHex(v.pkMapIc)))).toBe(v.pkPcd);
    expect(toHex(terminal.mapped?.generator() ?? new Uint8Array(0))).toBe(v.mappedGenerator);
    expect(toHex(terminal.token(fromHex(v.pkIc)))).toBe(v.tPcd);
    expect(toHex(terminal.secret ?? new Uint8Array(0))).toBe(v.sharedSecret);
    const session = terminal.finish(fromHex(v.tIc));
    expect(toHex(session.kEnc)).toBe(v.ksEnc);
    expect(toHex(session.kMac)).toBe(v.ksMac);
    expect(session.ssc).toBe(0n);
  });

  it('session keys: KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) (9303-11 §9.7.1)', () => {
    expect(toHex(kdf(fromHex(v.sharedSecret), KDF_ENC, protocol.cipher))).toBe(v.ksEnc);
    expect(toHex(kdf(fromHex(v.sharedSecret), KDF_MAC, protocol.cipher))).toBe(v.ksMac);
  });

  it('terminal side refuses a chip token that does not verify', () => {
    const terminal = new PaceTerminal(
      protocol,
      v.parameterId,
      mrzPassword(v.mrzInformation),
      scripted({ mapping: v.skMapPcd, agreement: v.skPcd }),
    );
    terminal.mappingKey(fromHex(v.encryptedNonce));
    terminal.ephemeralKey(fromHex(v.pkMapIc));
    terminal.token(fromHex(v.pkIc));
    const bad = fromHex(v.tIc);
    bad[0] = (bad[0] as number) ^ 1;
    expect(() => terminal.finish(bad)).toThrow(/T_IC/);
  });

  it('chip side: the state machine with the published chip keys answers every published value', () => {
    const config: PaceCardConfig = {
      paceInfos: [{ type: 'pace', protocol, version: 2, parameterId: v.parameterId }],
      passwords: new Map([[1, mrzPassword(v.mrzInformation)]]),
      nonceLength: 16,
      chaining: 'strict',
      cvcaReferences: [],
    };
    const entropy = scripted({ mapping: v.skMapIc, agreement: v.skIc }, v.nonce);
    let state = paceSetAt(config, parseTlvs(fromHex(`800A${v.oid}830101`)));
    const step = (data: Uint8Array, chained: boolean): Uint8Array => {
      const r = paceGeneralAuthenticate(state, config, data, chained, entropy);
      state = r.state;
      return r.data;
    };
    expect(toHex(step(gaTemplate(), true))).toBe(
      toHex(gaTemplate(tlv(0x80, fromHex(v.encryptedNonce)))),
    );
    expect(toHex(step(gaTemplate(tlv(0x81, fromHex(v.pkMapPcd))), true))).toBe(
      toHex(gaTemplate(tlv(0x82, fromHex(v.pkMapIc)))),
    );
    expect(toHex(step(gaTemplate(tlv(0x83, fromHex(v.pkPcd))), true))).toBe(
      toHex(gaTemplate(tlv(0x84, fromHex(v.pkIc)))),
    );
    const last = paceGeneralAuthenticate(
      state,
      config,
      gaTemplate(tlv(0x85, fromHex(v.tPcd))),
      false,
      entropy,
    );
    expect(toHex(last.data)).toBe(toHex(gaTemplate(tlv(0x86, fromHex(v.tIc)))));
    expect(last.state.step).toBe('idle');
    expect(toHex(last.established?.session.kEnc ?? new Uint8Array(0))).toBe(v.ksEnc);
    expect(toHex(last.established?.session.kMac ?? new Uint8Array(0))).toBe(v.ksMac);
    expect(last.established?.session.ssc).toBe(0n);
  });
});

describe('ICAO 9303-11 Appendix G.1: token input encoding', () => {
  it('G.1: the token input starts 7F49 4F 06 0A <OID> 86 41 04', () => {
    const domain = standardDomain(13);
    if (!domain) throw new Error('brainpoolP256r1 missing');
    expect(
      toHex(tokenInput(g1.oidDotted, domain, fromHex(g1.pkIc))).slice(
        0,
        g1.tokenInputPrefix.length + 2,
      ),
    ).toBe(`${g1.tokenInputPrefix}04`);
  });
});
