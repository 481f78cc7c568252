/**
 * The eMRTD card module and its composition contract: validated personalisation, MF-level files,
 * `extendMfHandlers` / `withMfHandlers`, and the full CIE (IAS + eMRTD) built by the CIE
 * composer (`profiles/cie-card.ts`) from a card image — including the mobile "PACE + NIS" flow of
 * ias/README.md §5.1 B (a plain APDU drops the PACE session, the IAS answers, the eMRTD locks again).
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import type { HandlerEntry } from '../../../emulator/src/card/application.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';
import { responseApdu } from '../../../emulator/src/apdu/response-apdu.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { ISO_HANDLERS } from '../../../emulator/src/iso7816/iso-application.ts';
import { buildFileSystem } from '../../../emulator/src/iso7816/fs/file-system.ts';
import { CardOs } from '../../../emulator/src/card/card-os.ts';
import { cieCardFromImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { mrzInformationFromTd1 } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { inspect } from './inspection-system.ts';
import { pacedSession, testCredentials, type TestCard } from './test-support.ts';
import {
  emrtdPersonalisationFromImage,
  withEmrtdPersonalisation,
} from '../../../emulator/src/applications/emrtd/emrtd-image.ts';
import { createEmrtdModule } from '../../../emulator/src/applications/emrtd/emrtd-module.ts';
import { personaliseEmrtdForSeed } from '../../../emulator/src/applications/emrtd/emrtd-card.ts';

const p = personaliseEmrtdForSeed('module-test');

describe('createEmrtdModule', () => {
  it('refuses a personalisation that does not pass its schema', () => {
    expect(() => createEmrtdModule({ ...p, chip: { ...p.chip, trustPoints: [] } })).toThrow();
    expect(() => createEmrtdModule({ ...p, format: 'other' } as unknown as typeof p)).toThrow();
  });

  it('MF children: EF.CardAccess 011C/SFI 1C readable always, then the eMRTD DF (AID A0000002471001, application emrtd)', () => {
    const m = createEmrtdModule(p);
    expect(m.applications.map((a) => a.id)).toEqual(['emrtd']);
    expect(m.mfChildren[0]).toMatchObject({
      kind: 'EF',
      fid: 0x011c,
      sfi: 0x1c,
      name: 'EF.CardAccess',
      access: { read: 'always' },
    });
    expect(m.mfChildren[1]).toMatchObject({ kind: 'DF', application: 'emrtd', name: 'DF.eMRTD' });
    expect([...m.extendMfHandlers(new Map()).keys()].sort((a, b) => a - b)).toEqual([0x22, 0x86]);
  });

  it('withMfHandlers keeps the base table, routes MSE C1 A4 and GA to PACE and other MSE forms to the base MSE', () => {
    const m = createEmrtdModule(p);
    const calls: string[] = [];
    const baseMse: HandlerEntry = {
      handle: (_c, a) => (
        calls.push(`mse ${toHex(Uint8Array.of(a.p1, a.p2))}`),
        responseApdu(SW_9000_OK)
      ),
    };
    const custom: HandlerEntry = {
      handle: () => (calls.push('custom CA'), responseApdu(SW_9000_OK)),
    };
    const table = m.withMfHandlers(new Map([...ISO_HANDLERS, [0x22, baseMse], [0xca, custom]]));
    const card = new CardOs({
      atr: fromHex('3B00'),
      fileSystem: buildFileSystem({
        kind: 'MF',
        application: 'composer-mf',
        children: m.mfChildren,
      }),
      applications: [{ id: 'composer-mf', handlers: table }, ...m.applications],
      strict: true,
    });
    card.powerOn();
    expect(toHex(card.transmit(fromHex('002241A603800102')))).toBe('9000');
    expect(toHex(card.transmit(fromHex('00CA010100')))).toBe('9000');
    expect(calls).toEqual(['mse 41A6', 'custom CA']);
    expect(toHex(card.transmit(fromHex('0022C1A40F800A04007F00070202040101830102')))).toBe('9000');
    expect(toHex(card.transmit(fromHex('10860000027C0000')))).toMatch(/^7C0A8008[0-9A-F]{16}9000$/);
    expect(calls).toHaveLength(2);
  });
});

function fullCie(): { t: TestCard; cscas: Uint8Array[] } {
  const image = defaultCardImage();
  const personalisation = emrtdPersonalisationFromImage(image);
  // The module is passed explicitly (instead of the composer's default one) so the test keeps its instance.
  const module = createEmrtdModule(personalisation);
  const cie = cieCardFromImage(image, {
    profile: 'gemalto',
    emrtd: false,
    extraModules: [module],
    rng: seededRng('full-cie'),
    strict: true,
  });
  const channel = new InProcessChannel(cie.card, 'full CIE');
  const citizen = image.citizen;
  return {
    t: {
      card: cie.card,
      module,
      channel,
      citizen,
      mrzInformation: mrzInformationFromTd1(citizen.mrz),
      cscas: [],
    } as unknown as TestCard,
    cscas: [fromHex(image.ias.certificates.csca)],
  };
}

describe('the full CIE (IAS + eMRTD) from the CIE composer', () => {
  it('the inspection system reads every DG with PACE-CAN + CA + TA; PA chains to the same CSCA as the IAS SOD', async () => {
    const { t, cscas } = fullCie();
    const r = await inspect(t.channel, {
      access: { kind: 'pace', password: { kind: 'can', can: t.citizen.can } },
      cscas,
      terminal: testCredentials(defaultCardImage().seed),
      rng: seededRng('is'),
    });
    expect(r.report.verdict, JSON.stringify(r.report.error)).toBe('pass');
    expect(r.report.dataGroupsRead).toEqual([1, 2, 3, 11, 12, 14]);
    expect(r.report.passiveAuthentication?.chain.ok).toBe(true);
  });

  it('mobile "PACE + NIS" flow (ias/README.md §5.1 B): PACE, DG1 under SM, plain SELECT MF drops SM, the IAS NIS reads, eMRTD locked again', async () => {
    const { t } = fullCie();
    const s = await pacedSession(t);
    expect((await s.link.protected({ ins: 0xb0, p1: 0x81, p2: 0, ne: 4 })).sw).toBe(0x9000);
    expect(toHex(t.card.transmit(fromHex('00A4000C')))).toBe('9000');
    expect(toHex(t.card.transmit(fromHex('00A4040C06A00000000039')))).toBe('9000');
    const nis = t.card.transmit(fromHex('00B081000C'));
    expect(new TextDecoder().decode(nis.subarray(0, 12))).toBe(defaultCardImage().citizen.nis);
    expect(toHex(t.card.transmit(fromHex('00A4040C07A0000002471001')))).toBe('9000');
    expect(toHex(t.card.transmit(fromHex('00B0810004')))).toBe('6982');
  });

  it('a card image stores the eMRTD personalisation under modules.emrtd and gives it back unchanged', () => {
    const image = defaultCardImage();
    const stored = withEmrtdPersonalisation(image, p);
    expect(emrtdPersonalisationFromImage(stored)).toEqual(p);
    expect(() =>
      emrtdPersonalisationFromImage({ ...image, modules: { emrtd: { format: 'x' } } }),
    ).toThrow(/modules\.emrtd/);
  });
});

describe('the eMRTD module at MF level leaves the other commands alone', () => {
  it('every MF entry other than MSE and GENERAL AUTHENTICATE is the composer’s own (an IAS VERIFY runs no eMRTD code)', () => {
    const m = createEmrtdModule(emrtdPersonalisationFromImage(defaultCardImage()));
    const base = new Map(ISO_HANDLERS);
    const table = m.extendMfHandlers(base);
    for (const [ins, entry] of base)
      if (ins !== 0x22 && ins !== 0x86) expect(table.get(ins), ins.toString(16)).toBe(entry);
  });
});
