/**
 * ICAO Doc 9303-11 Appendix G.1 and G.2 replayed as APDUs (provenance: README.md in this folder):
 * - through the emulated card (eMRTD module alone, EF.CardAccess holding the appendix's PACEInfo,
 *   the MRZ password of the appendix, the published chip nonce and private keys injected): every
 *   published response must come back byte for byte;
 * - from the reference inspection system (published terminal private keys scripted into its RNG)
 *   against a scripted card replaying the published responses: every command must be the
 *   published one.
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { asciiBytes, bytesToBigInt } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import {
  createEmrtdCard,
  personaliseEmrtdForSeed,
} from '../../../emulator/src/applications/emrtd/emrtd-card.ts';
import { issueCvCertificate } from '../../../emulator/src/personalise/emrtd/cv-pki.ts';
import type {
  EmrtdPersonalisation,
  PaceInfoOption,
} from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { paceProtocol } from '../../../emulator/src/protocols/oids.ts';
import { ROLE_CVCA } from '../../../emulator/src/protocols/terminal-auth/cv-certificate.ts';
import { pace } from '../../../harness/terminals/emrtd/access-control.ts';
import { newSession } from '../../../harness/terminals/emrtd/inspection-system.ts';
import {
  privateKeyChunk,
  ScriptedChannel,
  scriptedRng,
  type ScriptStep,
} from '../../../harness/terminals/emrtd/test-support.ts';
import g1 from './appendix-g1.json' with { type: 'json' };
import g2 from './appendix-g2.json' with { type: 'json' };

const gaCommand = (cla: string, inner: Uint8Array): string => {
  const data = tlv(0x7c, inner);
  return `${cla}860000${toHex(Uint8Array.of(data.length))}${toHex(data)}00`;
};

/** The APDU exchange of an appendix, from its values (G.1 also lists the APDUs; they agree). */
function script(v: typeof g1 | typeof g2, lastResponse: Uint8Array): ScriptStep[] {
  return [
    { name: 'MSE:Set AT', command: `0022C1A40F800A${v.oid}830101`, response: '9000' },
    {
      name: 'GA 1',
      command: '10860000027C0000',
      response: `${toHex(tlv(0x7c, tlv(0x80, fromHex(v.encryptedNonce))))}9000`,
    },
    {
      name: 'GA 2',
      command: gaCommand('10', tlv(0x81, fromHex(v.pkMapPcd))),
      response: `${toHex(tlv(0x7c, tlv(0x82, fromHex(v.pkMapIc))))}9000`,
    },
    {
      name: 'GA 3',
      command: gaCommand('10', tlv(0x83, fromHex(v.pkPcd))),
      response: `${toHex(tlv(0x7c, tlv(0x84, fromHex(v.pkIc))))}9000`,
    },
    {
      name: 'GA 4',
      command: gaCommand('00', tlv(0x85, fromHex(v.tPcd))),
      response: `${toHex(lastResponse)}9000`,
    },
  ];
}

const G2_LAST = tlv(0x7c, tlv(0x86, fromHex(g2.tIc)), tlv(0x87, asciiBytes(g2.car)));
const CASES = [
  {
    name: 'G.1 (ECDH-GM brainpoolP256r1)',
    v: g1,
    info: { agreement: 'ECDH', cipher: 'AES-128', parameterId: 13 } as PaceInfoOption,
    last: tlv(0x7c, tlv(0x86, fromHex(g1.tIc))),
    orderBytes: 32,
  },
  {
    name: 'G.2 (DH-GM 1024/160)',
    v: g2,
    info: { agreement: 'DH', cipher: 'AES-128', parameterId: 0 } as PaceInfoOption,
    last: G2_LAST,
    orderBytes: 20,
  },
] as const;

/** A card personalised with the appendix's PACEInfo and MRZ; for G.2 its trust point is the published CAR. */
function cardFor(c: (typeof CASES)[number]): ReturnType<typeof createEmrtdCard> {
  const base = personaliseEmrtdForSeed('icao-appendix-g', { paceInfos: [c.info] });
  const cvca = issueCvCertificate(undefined, {
    chr: g2.car,
    role: ROLE_CVCA,
    rights: 3,
    effective: '200101',
    expiration: '451231',
    keyLabel: 'appendix-g2-cvca',
  });
  const personalisation: EmrtdPersonalisation = {
    ...base,
    chip: {
      ...base.chip,
      mrzInformation: c.v.mrzInformation,
      ...(c.v === g2 ? { trustPoints: [toHex(cvca.certificate)] } : {}),
    },
  };
  return createEmrtdCard({
    personalisation,
    strict: true,
    module: {
      paceNonceLength: 16,
      paceCarInResponse: c.v === g2 ? 'always' : 'with-chat',
      paceEntropy: () => ({
        nonce: () => fromHex(c.v.nonce),
        privateKey: (_d, purpose) =>
          bytesToBigInt(fromHex(purpose === 'mapping' ? c.v.skMapIc : c.v.skIc)),
      }),
    },
  });
}

describe.each(CASES)('ICAO 9303-11 Appendix $name as APDUs', (c) => {
  it('the emulated card answers every published command with the published response, byte for byte', () => {
    const { card } = cardFor(c);
    card.powerOn();
    for (const step of script(c.v, c.last))
      expect(toHex(card.transmit(fromHex(step.command))), step.name).toBe(step.response);
    // PACE done: the next protected command is accepted under KS_enc/KS_mac with SSC 0.
    expect(cardState(card).sm?.ssc).toBe(0n);
    expect(toHex(cardState(card).sm?.kEnc ?? new Uint8Array(0))).toBe(c.v.ksEnc);
  });

  it('the reference inspection system sends exactly the published commands', async () => {
    const channel = new ScriptedChannel(script(c.v, c.last));
    const rng = scriptedRng([
      privateKeyChunk(bytesToBigInt(fromHex(c.v.skMapPcd)), c.orderBytes),
      privateKeyChunk(bytesToBigInt(fromHex(c.v.skPcd)), c.orderBytes),
    ]);
    const s = newSession(channel, { rng });
    const protocol = paceProtocol(c.v.oidDotted);
    if (!protocol) throw new Error('OID');
    await pace(
      s,
      { type: 'pace', protocol, version: 2, parameterId: c.v.parameterId },
      { kind: 'mrz', mrzInformation: c.v.mrzInformation },
    );
    expect(channel.mismatches).toEqual([]);
    expect(channel.next).toBe(5);
    expect(toHex(s.link.session?.kMac ?? new Uint8Array(0))).toBe(c.v.ksMac);
    if (c.v === g2) expect(s.paceCars).toEqual([g2.car]);
  });
});

describe('ICAO 9303-11 Appendix G.1: the published APDUs match the ones built from the values', () => {
  it('G.1: MSE and all four GA commands and responses are the published hex', () => {
    const built = script(g1, tlv(0x7c, tlv(0x86, fromHex(g1.tIc))));
    expect(built.map((s) => [s.command, s.response])).toEqual(
      g1.apdus.map((a) => [a.command, a.response]),
    );
  });
});
