/**
 * The reference inspection system reads every data group of the default card
 * with PACE-CAN (DH-GM-3DES, the real CIE EF.CardAccess), with PACE-MRZ, with BAC and with each
 * alternative PACEInfo; Passive Authentication succeeds; DG3 only after Terminal Authentication.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import {
  CIE_EF_CARD_ACCESS,
  type PaceInfoOption,
} from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { CardOs } from '../../../emulator/src/card/card-os.ts';
import { buildFileSystem } from '../../../emulator/src/iso7816/fs/file-system.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { inspect, type InspectionResult } from './inspection-system.ts';
import { parseDg1 } from './lds.ts';
import { testCard, testCredentials } from './test-support.ts';

function failures(r: InspectionResult): string {
  return JSON.stringify(
    { error: r.report.error, failed: r.report.steps.filter((s) => s.verdict === 'fail') },
    null,
    1,
  );
}

function expectAllRead(r: InspectionResult, withDg3: boolean): void {
  expect(r.report.verdict, failures(r)).toBe('pass');
  expect(r.report.dataGroupsRead).toEqual(withDg3 ? [1, 2, 3, 11, 12, 14] : [1, 2, 11, 12, 14]);
  const pa = r.report.passiveAuthentication;
  expect(pa?.ok).toBe(true);
  expect(pa?.signature).toBe(true);
  expect(pa?.chain.ok).toBe(true);
  expect(
    Object.keys(pa?.dataGroups ?? {})
      .map(Number)
      .sort((a, b) => a - b),
  ).toEqual(withDg3 ? [1, 2, 3, 11, 12, 14] : [1, 2, 11, 12, 14]);
}

describe('reference inspection system on the default CIE-like card', () => {
  it('PACE-CAN (DH-GM-3DES, parameterId 2, real CIE EF.CardAccess) + CA + TA: every DG read, PA ok', async () => {
    const t = testCard();
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas: t.cscas,
      terminal: testCredentials(),
      rng: seededRng('is'),
    });
    expectAllRead(r, true);
    expect(toHex(r.files.get('EF.CardAccess') ?? new Uint8Array(0))).toBe(
      toHex(CIE_EF_CARD_ACCESS),
    );
    expect(r.report.access).toBe('PACE-CAN DH-GM-3DES (parameterId 2)');
    expect(parseDg1(r.files.get('DG1') ?? new Uint8Array(0))).toEqual([...t.citizen.mrz]);
    expect(r.report.steps.map((s) => s.name)).toEqual([
      'read EF.CardAccess',
      'PACE (CAN, DH-GM-3DES, parameterId 2)',
      'SELECT eMRTD application',
      'read EF.COM',
      'read DG14',
      'Chip Authentication',
      'read EF.CVCA',
      'Terminal Authentication',
      'read DG1',
      'read DG2',
      'read DG3',
      'read DG11',
      'read DG12',
      'read EF.SOD',
      'Passive Authentication',
    ]);
  });

  it('PACE-MRZ: every DG except DG3 read without TA (DG3 reported as skipped), PA ok', async () => {
    const t = testCard();
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'mrz', mrzInformation: t.mrzInformation } },
      cscas: t.cscas,
      rng: seededRng('is'),
    });
    expectAllRead(r, false);
    expect(r.report.dataGroupsSkipped).toEqual([
      { dg: 3, reason: 'needs Terminal Authentication' },
    ]);
    expect(r.report.passiveAuthentication?.notRead).toEqual([3]);
  });

  it('BAC + CA + TA: every DG read, PA ok; TA binds to the document number after BAC', async () => {
    const t = testCard();
    const r = await inspect(t.channel, {
      access: { kind: 'bac', mrzInformation: t.mrzInformation },
      cscas: t.cscas,
      terminal: testCredentials(),
      rng: seededRng('is'),
    });
    expectAllRead(r, true);
    expect(r.report.access).toBe('BAC');
  });

  it('DG3 only after TA: with an IS certificate without the DG3 right, TA passes but DG3 is refused (6982)', async () => {
    const t = testCard();
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas: t.cscas,
      terminal: testCredentials(undefined, false),
      dataGroups: [1, 3],
      rng: seededRng('is'),
    });
    expect(r.report.verdict).toBe('fail');
    expect(r.report.steps.find((s) => s.name === 'Terminal Authentication')?.verdict).toBe('pass');
    expect(r.report.steps.find((s) => s.name === 'read DG3')?.error).toMatchObject({
      code: 'ACCESS_DENIED',
      sw: '6982',
    });
  });

  it('DG3 only after TA: without TA, reading DG3 anyway is refused (6982)', async () => {
    const t = testCard();
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      dataGroups: [1],
      rng: seededRng('is'),
    });
    expect(r.report.verdict).toBe('pass');
    const s = r.session;
    await expect(
      s.recorder.step('read DG3 without TA', async () =>
        (await import('./file-reader.ts')).readLdsFile(s, {
          name: 'DG3',
          fid: 0x0103,
          sfi: 3,
          dg: 3,
          tag: 0x63,
        }),
      ),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED', sw: 0x6982 });
  });

  it('reads with extended-length READ BINARY and with SELECT + READ (not SFI) give the same files', async () => {
    const a = testCard();
    const b = testCard();
    const ra = await inspect(a.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: a.citizen.can } },
      cscas: a.cscas,
      read: { extended: true },
      rng: seededRng('is'),
    });
    const rb = await inspect(b.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: b.citizen.can } },
      cscas: b.cscas,
      read: { bySfi: false, chunk: 0x80 },
      rng: seededRng('is'),
    });
    expectAllRead(ra, false);
    expectAllRead(rb, false);
    expect(toHex(ra.files.get('DG2') ?? new Uint8Array(0))).toBe(
      toHex(rb.files.get('DG2') ?? new Uint8Array(0)),
    );
    expect(ra.report.steps.find((s) => s.name === 'read DG2')?.apdus.length).toBe(2);
  });
});

const ALTERNATIVES: readonly { name: string; infos: PaceInfoOption[] }[] = [
  {
    name: 'ECDH-GM brainpoolP256r1 AES-128',
    infos: [{ agreement: 'ECDH', cipher: 'AES-128', parameterId: 13 }],
  },
  {
    name: 'ECDH-GM brainpoolP384r1 AES-192',
    infos: [{ agreement: 'ECDH', cipher: 'AES-192', parameterId: 16 }],
  },
  {
    name: 'ECDH-GM NIST P-256 AES-256',
    infos: [{ agreement: 'ECDH', cipher: 'AES-256', parameterId: 12 }],
  },
  {
    name: 'ECDH-GM brainpoolP256r1 3DES',
    infos: [{ agreement: 'ECDH', cipher: '3DES', parameterId: 13 }],
  },
  {
    name: 'DH-GM 2048/256 AES-128',
    infos: [{ agreement: 'DH', cipher: 'AES-128', parameterId: 2 }],
  },
];

describe('automatic choice of the access protocol (9303-11 §4.2)', () => {
  it('EF.CardAccess present: PACE with the CAN; with only an MRZ: PACE-MRZ', async () => {
    const t = testCard();
    const r = await inspect(t.channel, {
      access: { kind: 'auto', can: t.citizen.can, mrzInformation: t.mrzInformation },
      cscas: t.cscas,
      rng: seededRng('is'),
    });
    expect(r.report.access).toMatch(/^PACE-CAN/);
    expect(r.report.verdict).toBe('pass');
    const t2 = testCard();
    const r2 = await inspect(t2.channel, {
      access: { kind: 'auto', mrzInformation: t2.mrzInformation },
      cscas: t2.cscas,
      rng: seededRng('is'),
    });
    expect(r2.report.access).toMatch(/^PACE-MRZ/);
  });

  it('no EF.CardAccess (a BAC-only chip): BAC with the MRZ; without an MRZ the inspection fails with NO_CARD_ACCESS', async () => {
    const t = testCard();
    const card = new CardOs({
      atr: t.card.atr,
      fileSystem: buildFileSystem({
        kind: 'MF',
        application: 'mf',
        children: t.module.mfChildren.filter((c) => c.name !== 'EF.CardAccess'),
      }),
      applications: [t.module.mfApplication('mf'), ...t.module.applications],
      strict: true,
    });
    const r = await inspect(new InProcessChannel(card), {
      access: { kind: 'auto', can: t.citizen.can, mrzInformation: t.mrzInformation },
      cscas: t.cscas,
      rng: seededRng('is'),
    });
    expect(r.report.access).toBe('BAC');
    expect(r.report.verdict).toBe('pass');
    expect(r.report.steps[0]).toMatchObject({
      name: 'read EF.CardAccess',
      verdict: 'fail',
      error: { code: 'NO_CARD_ACCESS', sw: '6A82' },
    });
    card.powerOff();
    const r2 = await inspect(new InProcessChannel(card), {
      access: { kind: 'auto', can: t.citizen.can },
      rng: seededRng('is'),
    });
    expect(r2.report.error?.code).toBe('NO_CARD_ACCESS');
  });
});

describe('reference inspection system with alternative PACEInfos (profile options)', () => {
  it.each(ALTERNATIVES)('$name: PACE-CAN + CA + TA read every DG, PA ok', async ({ infos }) => {
    const t = testCard({ perso: { paceInfos: infos } });
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas: t.cscas,
      terminal: testCredentials(),
      rng: seededRng('is'),
    });
    expectAllRead(r, true);
  });

  const SEVERAL: PaceInfoOption[] = [
    { agreement: 'DH', cipher: '3DES', parameterId: 2 },
    { agreement: 'ECDH', cipher: 'AES-128', parameterId: 13 },
    { agreement: 'ECDH', cipher: 'AES-256', parameterId: 12 },
  ];
  it.each(SEVERAL.map((info, i) => ({ i, info })))(
    'several PACEInfos at once: the terminal picks #$i ($info.agreement $info.cipher $info.parameterId) with DO 84',
    async ({ i }) => {
      const t = testCard({ perso: { paceInfos: SEVERAL } });
      const r = await inspect(t.channel, {
        access: {
          kind: 'pace',
          password: { kind: 'mrz', mrzInformation: t.mrzInformation },
          paceInfo: (infos) => infos[i],
        },
        cscas: t.cscas,
        rng: seededRng('is'),
      });
      expectAllRead(r, false);
      expect(r.report.steps[1]?.apdus[0]?.command).toMatch(/8401..$/);
    },
  );

  it('Chip Authentication with an ECDH/AES key (MSE:Set AT + GENERAL AUTHENTICATE) and a 16-byte PACE nonce', async () => {
    const t = testCard({
      perso: {
        chipAuthentication: { agreement: 'ECDH', cipher: 'AES-128', parameterId: 13, keyId: 7 },
      },
      module: { paceNonceLength: 16 },
    });
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas: t.cscas,
      terminal: testCredentials(),
      rng: seededRng('is'),
    });
    expectAllRead(r, true);
    expect(r.report.steps.find((s) => s.name.startsWith('PACE'))?.apdus[1]?.response).toMatch(
      /^7C128010/,
    );
    expect(
      r.report.steps
        .find((s) => s.name === 'Chip Authentication')
        ?.apdus.map((a) => a.plainCommand?.slice(0, 8)),
    ).toEqual(['002241A4', '00860000', '00A4040C']);
  });

  it('Chip Authentication with an ECDH/3DES key through MSE:Set KAT (9303-11 §6.2.4.1)', async () => {
    const t = testCard({
      perso: { chipAuthentication: { agreement: 'ECDH', cipher: '3DES', parameterId: 13 } },
    });
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas: t.cscas,
      terminal: testCredentials(),
      rng: seededRng('is'),
    });
    expectAllRead(r, true);
    expect(
      r.report.steps
        .find((s) => s.name === 'Chip Authentication')
        ?.apdus[0]?.plainCommand?.slice(0, 8),
    ).toBe('002241A6');
  });

  it('Chip Authentication with a PKCS #3 DH key in DG14 (the [open] alternative of emrtd/README.md §2.9)', async () => {
    const t = testCard({ perso: { chipAuthentication: { dhAlgorithm: 'pkcs3' } } });
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas: t.cscas,
      terminal: testCredentials(),
      rng: seededRng('is'),
    });
    expectAllRead(r, true);
  });
});
