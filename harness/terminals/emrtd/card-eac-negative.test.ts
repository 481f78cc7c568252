/**
 * Extended Access Control on the emulated eMRTD application: Chip Authentication negatives (ICAO
 * Part 3 ISO7816_I, both the MSE:Set KAT and the MSE:Set AT + GENERAL AUTHENTICATE forms), Terminal Authentication sequence and certificate checks, the chip's
 * effective date and CVCA link certificates (BSI TR-03105-3.2 EAC_CV units in spirit; README.md
 * §2.6–2.7, §4.4).
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { commandApdu, encodeCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { bigIntToBytes } from '../../../emulator/src/bytes/bytes.ts';
import {
  generateCvPki,
  issueCvCertificate,
  type CvHolder,
} from '../../../emulator/src/personalise/emrtd/cv-pki.ts';
import { DH_GROUP_2 } from '../../../emulator/src/protocols/domain/dh-groups.ts';
import {
  RIGHT_READ_DG3,
  ROLE_CVCA,
  ROLE_DV_DOMESTIC,
  ROLE_IS,
} from '../../../emulator/src/protocols/terminal-auth/cv-certificate.ts';
import { taSign } from '../../../emulator/src/protocols/terminal-auth/cv-signature.ts';
import { taMessage } from '../../../emulator/src/protocols/terminal-auth/ta-card.ts';
import { chipAuthentication, terminalAuthentication } from './eac.ts';
import { readLdsFile } from './file-reader.ts';
import type { InspectionSession } from './inspection-session.ts';
import { dataGroup } from './lds.ts';
import { credentialsOf, pacedSession, TEST_SEED, testCard, type TestCard } from './test-support.ts';

const pki = generateCvPki(TEST_SEED);
const ALL = RIGHT_READ_DG3 | 0x02;

async function withCa(t: TestCard = testCard()): Promise<InspectionSession> {
  const s = await pacedSession(t);
  await chipAuthentication(s, await readLdsFile(s, dataGroup(14)));
  return s;
}

const prot = (
  s: InspectionSession,
  ins: number,
  p1: number,
  p2: number,
  data?: Uint8Array,
  ne?: number,
): Promise<{ sw: number; data: Uint8Array }> =>
  s.link.protected({ ins, p1, p2, ...(data ? { data } : {}), ...(ne ? { ne } : {}) });

const ref = (r: string): Uint8Array => tlv(0x83, new TextEncoder().encode(r));
const certData = (h: CvHolder): Uint8Array =>
  concatBytes(h.parsed.body, tlv(0x5f37, h.parsed.signature));

describe('Chip Authentication negatives (ICAO Part 3 ISO7816_I)', () => {
  it('I_5: MSE:Set KAT without secure messaging → 6982 (and the plain command ended PACE SM)', async () => {
    const t = testCard();
    await pacedSession(t);
    const pk = bigIntToBytes(DH_GROUP_2.g, 256);
    const data = tlv(0x91, pk);
    const apdu = concatBytes(fromHex('002241A6000104'), data);
    expect(t.card.transmit(apdu)).toEqual(fromHex('6982'));
  });

  it('I_3 / I_7 / I_13: wrong key size, zero, value > p → 6300 under SM; the PACE session stays usable', async () => {
    const s = await pacedSession(testCard());
    for (const pk of [
      new Uint8Array(128).fill(3),
      new Uint8Array(256),
      bigIntToBytes(DH_GROUP_2.p + 1n, 256),
    ]) {
      expect((await prot(s, 0x22, 0x41, 0xa6, tlv(0x91, pk))).sw).toBe(0x6300);
    }
    expect((await prot(s, 0xb0, 0x81, 0, undefined, 4)).sw).toBe(0x9000);
  });

  it('I_6: invalid tag in MSE:Set KAT → 6A80; I_12: unknown private key reference → 6300', async () => {
    const s = await pacedSession(testCard());
    expect((await prot(s, 0x22, 0x41, 0xa6, tlv(0x92, new Uint8Array(256).fill(1)))).sw).toBe(
      0x6a80,
    );
    expect(
      (
        await prot(
          s,
          0x22,
          0x41,
          0xa6,
          concatBytes(tlv(0x91, bigIntToBytes(DH_GROUP_2.g, 256)), tlv(0x84, Uint8Array.of(9))),
        )
      ).sw,
    ).toBe(0x6300);
  });

  it('I_16 / I_18 / I_27 / I_20: MSE:Set AT + GENERAL AUTHENTICATE — a wrong-size key or an unknown key reference answers 6300 and the old keys stay; a plain MSE:Set AT answers 9000, the plain GA 6982', async () => {
    const caOid = fromHex('04007F00070202030101'); // id-CA-DH-3DES-CBC-CBC
    const s = await pacedSession(testCard());
    expect((await prot(s, 0x22, 0x41, 0xa4, tlv(0x80, caOid))).sw).toBe(0x9000);
    const bad = tlv(0x7c, tlv(0x80, new Uint8Array(128).fill(3)));
    expect((await prot(s, 0x86, 0, 0, bad, 256)).sw).toBe(0x6300);
    expect((await prot(s, 0xb0, 0x81, 0, undefined, 4)).sw).toBe(0x9000);
    const unknown = concatBytes(tlv(0x80, caOid), tlv(0x84, Uint8Array.of(9)));
    expect((await prot(s, 0x22, 0x41, 0xa4, unknown)).sw).toBe(0x6300);
    const good = tlv(0x7c, tlv(0x80, bigIntToBytes(DH_GROUP_2.g, 256)));
    expect((await prot(s, 0x86, 0, 0, good, 256)).sw).toBe(0x6300);
    expect((await prot(s, 0xb0, 0x81, 0, undefined, 4)).sw).toBe(0x9000);

    const t = testCard();
    await pacedSession(t);
    const plain = (ins: number, p1: number, p2: number, data: Uint8Array): Uint8Array =>
      t.card.transmit(encodeCommandApdu(commandApdu({ cla: 0, ins, p1, p2, data })));
    expect(plain(0x22, 0x41, 0xa4, tlv(0x80, caOid))).toEqual(fromHex('9000'));
    expect(plain(0x86, 0, 0, good)).toEqual(fromHex('6982'));
  });

  it('a completed CA re-keys the session (SSC 0) and keeps the PACE rights: files readable under the new keys', async () => {
    const t = testCard();
    const s = await withCa(t);
    expect(cardState(t.card).security.list()).toEqual(['emrtd:access', 'emrtd:ca', 'emrtd:pace']);
    expect((await prot(s, 0xb0, 0x8b, 0, undefined, 4)).sw).toBe(0x9000);
  });
});

describe('Terminal Authentication v1: sequence and certificates', () => {
  it('TA before Chip Authentication: MSE:Set AT (81 A4) → 6985', async () => {
    const s = await pacedSession(testCard());
    expect((await prot(s, 0x22, 0x81, 0xa4, ref(pki.is.chr))).sw).toBe(0x6985);
  });

  it('PSO:VERIFY CERTIFICATE without MSE:Set DST → 6985; MSE:Set DST with an unknown CAR → 6A88', async () => {
    const s = await withCa();
    expect((await prot(s, 0x2a, 0x00, 0xbe, certData(pki.dv))).sw).toBe(0x6985);
    expect((await prot(s, 0x22, 0x81, 0xb6, ref('ITUNKNOWN00001'))).sw).toBe(0x6a88);
  });

  it('a certificate with a corrupted signature, or issued by the wrong authority, is refused (6A80)', async () => {
    const s = await withCa();
    const bad = certData(pki.dv);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect((await prot(s, 0x22, 0x81, 0xb6, ref(pki.cvca.chr))).sw).toBe(0x9000);
    expect((await prot(s, 0x2a, 0x00, 0xbe, bad)).sw).toBe(0x6a80);
    const isUnderCvca = issueCvCertificate(pki.cvca, {
      chr: 'ITCIEBIS99999',
      role: ROLE_IS,
      rights: ALL,
      effective: '200101',
      expiration: '451231',
      keyLabel: 'is-under-cvca',
    });
    expect((await prot(s, 0x22, 0x81, 0xb6, ref(pki.cvca.chr))).sw).toBe(0x9000);
    expect((await prot(s, 0x2a, 0x00, 0xbe, certData(isUnderCvca))).sw).toBe(0x6a80);
  });

  it('EXTERNAL AUTHENTICATE without a challenge → 6985; with a wrong signature → 6300; a reused challenge → 6985', async () => {
    const s = await withCa();
    for (const h of [pki.dv, pki.is]) {
      expect((await prot(s, 0x22, 0x81, 0xb6, ref(h.parsed.car))).sw).toBe(0x9000);
      expect((await prot(s, 0x2a, 0x00, 0xbe, certData(h))).sw).toBe(0x9000);
    }
    expect((await prot(s, 0x22, 0x81, 0xa4, ref(pki.is.chr))).sw).toBe(0x9000);
    expect((await prot(s, 0x82, 0, 0, new Uint8Array(64).fill(1))).sw).toBe(0x6985);
    expect((await prot(s, 0x22, 0x81, 0xa4, ref(pki.is.chr))).sw).toBe(0x9000);
    const challenge = (await prot(s, 0x84, 0, 0, undefined, 8)).data;
    const access = s.access;
    if (!access || !s.caCompPkPcd) throw new Error('no access');
    const wrongKey = taSign(
      pki.is.curve,
      pki.is.algorithmOid,
      pki.dv.privateKey,
      taMessage({ idPicc: access.idPicc, compPkPcd: s.caCompPkPcd }, challenge),
    );
    expect((await prot(s, 0x82, 0, 0, wrongKey)).sw).toBe(0x6300);
    expect((await prot(s, 0x22, 0x81, 0xa4, ref(pki.is.chr))).sw).toBe(0x9000);
    const good = taSign(
      pki.is.curve,
      pki.is.algorithmOid,
      pki.is.privateKey,
      taMessage({ idPicc: access.idPicc, compPkPcd: s.caCompPkPcd }, challenge),
    );
    expect((await prot(s, 0x82, 0, 0, good)).sw).toBe(0x6985);
  });

  it('effective dates: a DV with a later effective date advances the chip date; an IS certificate expired before it is then refused', async () => {
    const t = testCard();
    const s = await withCa(t);
    const before = t.module.runtime.state.persistent.currentDate;
    const dv2 = issueCvCertificate(pki.cvca, {
      chr: 'ITCIEBDV00002',
      role: ROLE_DV_DOMESTIC,
      rights: ALL,
      effective: '300601',
      expiration: '451231',
      keyLabel: 'dv-2030',
    });
    const isOld = issueCvCertificate(dv2, {
      chr: 'ITCIEBIS00010',
      role: ROLE_IS,
      rights: ALL,
      effective: '300101',
      expiration: '300531',
      keyLabel: 'is-old',
    });
    expect((await prot(s, 0x22, 0x81, 0xb6, ref(pki.cvca.chr))).sw).toBe(0x9000);
    expect((await prot(s, 0x2a, 0x00, 0xbe, certData(dv2))).sw).toBe(0x9000);
    expect(t.module.runtime.state.persistent.currentDate).toBe('300601');
    expect(before < '300601').toBe(true);
    expect((await prot(s, 0x22, 0x81, 0xb6, ref(dv2.chr))).sw).toBe(0x9000);
    expect((await prot(s, 0x2a, 0x00, 0xbe, certData(isOld))).sw).toBe(0x6a80);
    // The chip date is non-volatile: after a power cycle the same IS certificate is still refused.
    t.card.powerOff();
    const s2 = await withCa(t);
    expect((await prot(s2, 0x22, 0x81, 0xb6, ref(pki.cvca.chr))).sw).toBe(0x9000);
    expect((await prot(s2, 0x2a, 0x00, 0xbe, certData(dv2))).sw).toBe(0x9000);
    expect((await prot(s2, 0x22, 0x81, 0xb6, ref(dv2.chr))).sw).toBe(0x9000);
    expect((await prot(s2, 0x2a, 0x00, 0xbe, certData(isOld))).sw).toBe(0x6a80);
  });

  it('a CVCA link certificate installs a new trust point: a chain under the new CVCA then authenticates and unlocks DG3', async () => {
    const t = testCard();
    const s = await withCa(t);
    const cvca2 = issueCvCertificate(pki.cvca, {
      chr: 'ITCIEBCVCA00002',
      role: ROLE_CVCA,
      rights: ALL,
      effective: '250101',
      expiration: '451231',
      keyLabel: 'cvca-2',
    });
    const dv = issueCvCertificate(cvca2, {
      chr: 'ITCIEBDV00003',
      role: ROLE_DV_DOMESTIC,
      rights: ALL,
      effective: '250101',
      expiration: '451231',
      keyLabel: 'dv-3',
    });
    const is = issueCvCertificate(dv, {
      chr: 'ITCIEBIS00003',
      role: ROLE_IS,
      rights: ALL,
      effective: '250101',
      expiration: '451231',
      keyLabel: 'is-3',
    });
    await terminalAuthentication(s, {
      chain: [cvca2.certificate, dv.certificate, is.certificate],
      privateKey: is.privateKey,
      curve: is.curve,
      algorithmOid: is.algorithmOid,
    });
    expect(t.module.runtime.state.persistent.trustPoints.map((k) => k.chr)).toEqual([
      'ITCIEBCVCA00001',
      'ITCIEBCVCA00002',
    ]);
    expect((await readLdsFile(s, dataGroup(3))).length).toBeGreaterThan(1000);
  });

  it('TA rights are the AND of the chain: an IS with DG3 under a DV without it gets no DG3 access', async () => {
    const s = await withCa();
    const dvNoDg3 = issueCvCertificate(pki.cvca, {
      chr: 'ITCIEBDV00004',
      role: ROLE_DV_DOMESTIC,
      rights: 0x02,
      effective: '200101',
      expiration: '451231',
      keyLabel: 'dv-no-dg3',
    });
    const is = issueCvCertificate(dvNoDg3, {
      chr: 'ITCIEBIS00004',
      role: ROLE_IS,
      rights: ALL,
      effective: '200101',
      expiration: '451231',
      keyLabel: 'is-4',
    });
    await terminalAuthentication(s, credentialsOf(is, dvNoDg3));
    expect((await prot(s, 0xb0, 0x83, 0, undefined, 4)).sw).toBe(0x6982);
  });
});
