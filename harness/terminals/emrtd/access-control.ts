/**
 * Access-control building blocks of the reference inspection system: read EF.CardAccess, run PACE
 * (CAN or MRZ) or BAC, select the eMRTD application. ICAO Doc 9303-11 §4.3–4.4 and the real CIE
 * flow of emrtd/README.md §1.3–1.4 (SELECT 011C first, MF selected only if that fails).
 */
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { randomBelow } from '../../../emulator/src/crypto/rng.ts';
import { bacKeys } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import { bacCommandData, bacFinish } from '../../../emulator/src/protocols/bac/bac-terminal.ts';
import { standardDomain } from '../../../emulator/src/protocols/domain/standard-domains.ts';
import {
  digitsPassword,
  gaTemplate,
  mrzPassword,
  PACE_PASSWORD_CAN,
  PACE_PASSWORD_MRZ,
  parseGaTemplate,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { paceMseData, PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import {
  paceInfos,
  parseSecurityInfos,
  type PaceInfo,
} from '../../../emulator/src/protocols/security-infos.ts';
import { EMRTD_AID } from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { TerminalError } from '../common/step-report.ts';
import type { InspectionSession } from './inspection-session.ts';
import { readCurrentFile } from './file-reader.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

export type Password =
  | { readonly kind: 'can'; readonly can: string }
  | { readonly kind: 'mrz'; readonly mrzInformation: string };

/** Reads EF.CardAccess (SELECT 011C, then READ BINARY), selecting the MF first only if needed. */
export async function readCardAccess(
  s: InspectionSession,
): Promise<{ bytes: Uint8Array; paceInfos: PaceInfo[] }> {
  return s.recorder.step(
    'read EF.CardAccess',
    async () => {
      let sel = await s.link.plain({
        ins: 0xa4,
        p1: 0x02,
        p2: 0x0c,
        data: Uint8Array.of(0x01, 0x1c),
      });
      if (sel.sw !== SW_9000_OK) {
        await s.link.plain({ ins: 0xa4, p1: 0x00, p2: 0x0c }); // SELECT MF (emrtd/README.md §1.3: some chips need it)
        sel = await s.link.plain({
          ins: 0xa4,
          p1: 0x02,
          p2: 0x0c,
          data: Uint8Array.of(0x01, 0x1c),
        });
      }
      if (sel.sw !== SW_9000_OK)
        throw new TerminalError(
          'NO_CARD_ACCESS',
          `SELECT EF.CardAccess: SW ${sel.sw.toString(16)}`,
          sel.sw,
        );
      const bytes = await readCurrentFile(s, 'EF.CardAccess');
      let infos: PaceInfo[];
      try {
        infos = paceInfos(parseSecurityInfos(bytes));
      } catch (e) {
        throw new TerminalError('CARD_ACCESS_FORMAT', `EF.CardAccess: ${(e as Error).message}`);
      }
      return { bytes, paceInfos: infos };
    },
    (r) =>
      `${r.paceInfos.length} PACEInfo(s): ${r.paceInfos.map((i) => `${i.protocol.oid} param ${i.parameterId}`).join('; ')}`,
  );
}

function passwordBytes(p: Password): { ref: number; pi: Uint8Array } {
  return p.kind === 'can'
    ? { ref: PACE_PASSWORD_CAN, pi: digitsPassword(p.can) }
    : { ref: PACE_PASSWORD_MRZ, pi: mrzPassword(p.mrzInformation) };
}

function gaValue(data: Uint8Array, tag: number, step: string): Uint8Array {
  const dos = parseGaTemplate(data);
  const v = dos.find((d) => d.tag === tag)?.value;
  if (!v)
    throw new TerminalError('PACE_PROTOCOL', `${step}: response without DO ${tag.toString(16)}`);
  return v;
}

/**
 * PACE with the given PACEInfo and password (9303-11 §4.4.4). GA steps 1–3 are chained (CLA 10),
 * extended length is used when the mapping data needs it. Wrong password → `PACE_WRONG_PASSWORD`
 * with the chip's SW (6300 on the CIE).
 */
export async function pace(
  s: InspectionSession,
  info: PaceInfo,
  password: Password,
  options: { sendParameterId?: boolean } = {},
): Promise<void> {
  await s.recorder.step(
    `PACE (${password.kind.toUpperCase()}, ${info.protocol.agreement}-${info.protocol.mapping}-${info.protocol.cipher}, parameterId ${info.parameterId})`,
    async () => {
      if (info.parameterId === undefined || !standardDomain(info.parameterId))
        throw new TerminalError(
          'PACE_UNSUPPORTED',
          `parameterId ${info.parameterId} not supported`,
        );
      const { ref, pi } = passwordBytes(password);
      const terminal = new PaceTerminal(info.protocol, info.parameterId, pi, {
        privateKey: (d) => randomBelow(s.rng, d.order - 1n) + 1n,
      });
      const mse = paceMseData(
        info.protocol.oid,
        ref,
        options.sendParameterId ? info.parameterId : undefined,
      );
      await s.link.expect({ ins: 0x22, p1: 0xc1, p2: 0xa4, data: mse }, 'PACE_MSE', 'MSE:Set AT');
      const ga = async (cla: number, data: Uint8Array, step: string): Promise<Uint8Array> =>
        (
          await s.link.expect(
            { cla, ins: 0x86, p1: 0, p2: 0, data, ne: 256 },
            step === 'mutual authentication' ? 'PACE_WRONG_PASSWORD' : 'PACE_PROTOCOL',
            `GA ${step}`,
          )
        ).data;
      const z = gaValue(await ga(0x10, gaTemplate(), 'encrypted nonce'), 0x80, 'GA 1');
      const pkMapIc = gaValue(
        await ga(0x10, gaTemplate(tlv(0x81, terminal.mappingKey(z))), 'map nonce'),
        0x82,
        'GA 2',
      );
      const pkIc = gaValue(
        await ga(0x10, gaTemplate(tlv(0x83, terminal.ephemeralKey(pkMapIc))), 'key agreement'),
        0x84,
        'GA 3',
      );
      const last = await ga(
        0x00,
        gaTemplate(tlv(0x85, terminal.token(pkIc))),
        'mutual authentication',
      );
      const session = terminal.finish(gaValue(last, 0x86, 'GA 4'));
      s.link.session = session;
      s.access = {
        method: 'pace',
        idPicc: (terminal.mapped ?? terminal.domain).compress(pkIc),
        cipher: info.protocol.cipher,
      };
      const cars = parseGaTemplate(last).filter((d) => d.tag === 0x87 || d.tag === 0x88);
      s.paceCars = cars.map((d) => new TextDecoder().decode(d.value));
    },
    () =>
      `SM session (${info.protocol.cipher}), SSC 0${s.paceCars.length > 0 ? `; CARs ${s.paceCars.join(', ')}` : ''}`,
  );
}

/** SELECT of the eMRTD application by AID (protected when a session is open). */
export async function selectApplication(s: InspectionSession): Promise<void> {
  await s.recorder.step('SELECT eMRTD application', async () => {
    await s.link.expect(
      { ins: 0xa4, p1: 0x04, p2: 0x0c, data: EMRTD_AID },
      'SELECT_AID',
      'SELECT A0000002471001',
    );
  });
}

/** BAC (9303-11 §4.3): GET CHALLENGE, MUTUAL AUTHENTICATE, session keys. Selects the application first. */
export async function bac(s: InspectionSession, mrzInformation: string): Promise<void> {
  await s.recorder.step('BAC', async () => {
    await s.link.expect(
      { ins: 0xa4, p1: 0x04, p2: 0x0c, data: EMRTD_AID },
      'SELECT_AID',
      'SELECT A0000002471001',
    );
    const keys = bacKeys(mrzInformation);
    const rndIc = (
      await s.link.expect({ ins: 0x84, p1: 0, p2: 0, ne: 8 }, 'BAC_CHALLENGE', 'GET CHALLENGE')
    ).data;
    if (rndIc.length !== 8)
      throw new TerminalError('BAC_CHALLENGE', `challenge of ${rndIc.length} bytes`);
    const rndIfd = s.rng.bytes(8);
    const kIfd = s.rng.bytes(16);
    const r = await s.link.expect(
      { ins: 0x82, p1: 0, p2: 0, data: bacCommandData(keys, rndIc, rndIfd, kIfd), ne: 40 },
      'BAC_FAILED',
      'MUTUAL AUTHENTICATE',
    );
    s.link.session = bacFinish(keys, rndIc, rndIfd, kIfd, r.data);
    s.access = {
      method: 'bac',
      idPicc: new TextEncoder().encode(mrzInformation.slice(0, 10)),
      cipher: '3DES',
    };
  });
}
