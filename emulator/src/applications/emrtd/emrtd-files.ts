/**
 * The file layout of the eMRTD module (ICAO Doc 9303-10 §4.5–4.6; README.md §1.6) with the CIE's
 * access conditions: nothing in the LDS application is readable before BAC or PACE (the flag is
 * revoked with the SM session, so plain reads fail too), DG3 additionally needs Terminal
 * Authentication with the DG3 right.
 *
 * ```
 * MF
 * ├── EF.CardAccess  011C  SFI 1C   always readable (PACE parameters)
 * ├── EF.DIR         2F00  SFI 1E   optional
 * └── DF eMRTD  AID A0 00 00 02 47 10 01   application 'emrtd'
 *     ├── EF.COM 011E/1E   EF.SOD 011D/1D   EF.CVCA 011C/1C
 *     └── DG1 0101/01  DG2 0102/02  DG3 0103/03 (TA)  DG11 010B/0B  DG12 010C/0C  DG14 010E/0E
 * ```
 */
import { fromHex } from '../../bytes/hex.ts';
import type { AccessCondition } from '../../iso7816/access.ts';
import type { DfSpec, EfSpec } from '../../iso7816/fs/file-spec.ts';
import { EMRTD_AID, type EmrtdPersonalisation } from '../../personalise/emrtd/personalise-emrtd.ts';
import { EMRTD_APPLICATION_ID } from './emrtd-application.ts';
import { FLAG_ACCESS, FLAG_TA_DG3 } from './emrtd-state.ts';

export const FID_EF_CARD_ACCESS = 0x011c;
export const FID_EF_DIR = 0x2f00;

export const READ_AFTER_ACCESS: AccessCondition = { allOf: [FLAG_ACCESS] };
export const READ_AFTER_TA_DG3: AccessCondition = { allOf: [FLAG_ACCESS, FLAG_TA_DG3] };

interface LdsFile {
  readonly key: keyof EmrtdPersonalisation['files'];
  readonly fid: number;
  readonly sfi: number;
  readonly name: string;
  readonly read: AccessCondition;
}

/** FIDs and SFIs of ICAO 9303-10 Table 33/34. */
export const LDS_FILES: readonly LdsFile[] = [
  { key: 'com', fid: 0x011e, sfi: 0x1e, name: 'EF.COM', read: READ_AFTER_ACCESS },
  { key: 'sod', fid: 0x011d, sfi: 0x1d, name: 'EF.SOD', read: READ_AFTER_ACCESS },
  { key: 'cvca', fid: 0x011c, sfi: 0x1c, name: 'EF.CVCA', read: READ_AFTER_ACCESS },
  { key: 'dg1', fid: 0x0101, sfi: 0x01, name: 'EF.DG1', read: READ_AFTER_ACCESS },
  { key: 'dg2', fid: 0x0102, sfi: 0x02, name: 'EF.DG2', read: READ_AFTER_ACCESS },
  { key: 'dg3', fid: 0x0103, sfi: 0x03, name: 'EF.DG3', read: READ_AFTER_TA_DG3 },
  { key: 'dg11', fid: 0x010b, sfi: 0x0b, name: 'EF.DG11', read: READ_AFTER_ACCESS },
  { key: 'dg12', fid: 0x010c, sfi: 0x0c, name: 'EF.DG12', read: READ_AFTER_ACCESS },
  { key: 'dg14', fid: 0x010e, sfi: 0x0e, name: 'EF.DG14', read: READ_AFTER_ACCESS },
];

export function emrtdDfSpec(
  p: EmrtdPersonalisation,
  bytes: (hex: string) => Uint8Array = fromHex,
): DfSpec {
  const children: EfSpec[] = [];
  for (const f of LDS_FILES) {
    const content = p.files[f.key];
    if (content === undefined) continue;
    children.push({
      kind: 'EF',
      fid: f.fid,
      sfi: f.sfi,
      name: f.name,
      content: bytes(content),
      access: { read: f.read },
    });
  }
  return {
    kind: 'DF',
    dfName: EMRTD_AID,
    name: 'DF.eMRTD',
    application: EMRTD_APPLICATION_ID,
    children,
  };
}

export function emrtdMfChildren(
  p: EmrtdPersonalisation,
  bytes: (hex: string) => Uint8Array = fromHex,
): (DfSpec | EfSpec)[] {
  return [
    {
      kind: 'EF',
      fid: FID_EF_CARD_ACCESS,
      sfi: 0x1c,
      name: 'EF.CardAccess',
      content: fromHex(p.cardAccess),
      access: { read: 'always' },
    },
    ...(p.efDir === undefined
      ? []
      : [
          {
            kind: 'EF',
            fid: FID_EF_DIR,
            sfi: 0x1e,
            name: 'EF.DIR',
            content: fromHex(p.efDir),
            access: { read: 'always' },
          } as EfSpec,
        ]),
    emrtdDfSpec(p, bytes),
  ];
}
