/**
 * The ICAO Part 3 cases the suite does not implement, each with the feature it needs (ICS tokens)
 * and the public evidence that the CIE lacks it. A case listed here is "not applicable" for an ICS
 * that does not declare every required token, and "missing" for one that does: a card with
 * Active Authentication, PACE-CAM or elliptic-curve PACE would need these cases written. Cases
 * the suite implements are never listed (a test checks it).
 */

export interface MatrixExclusion {
  /** Matrix ids (`ISO7816_R_2`) or ranges (`ISO7816_P_42..46`). */
  readonly ids: readonly string[];
  /** ICS tokens the cases need; when the ICS declares all of them, the cases count as missing. */
  readonly requires: readonly string[];
  readonly reason: string;
  /** Where the CIE's lack of the feature is documented (public sources, through the READMEs). */
  readonly evidence: string;
}

const NO_AA =
  'emulator/src/applications/emrtd/README.md §1.2: DG1, 2, 3, 11, 12, 14 and EF.CVCA, no DG15 (italia/cie-mrtd-dotnet-sdk); the chip specification "CIE 3.0 – Specifiche Chip" has no Active Authentication chapter (public table of contents)';
const DH_ONLY =
  'emulator/src/applications/emrtd/README.md §1.3, §2.6: real EF.CardAccess 31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 01 01 02 01 02 02 01 02 (id-PACE-DH-GM-3DES-CBC-CBC, parameter 2) and DG14 id-PK-DH / id-CA-DH-3DES-CBC-CBC (real traces in the repository, traces/golden/real-card/)';

export const MATRIX_EXCLUSIONS: readonly MatrixExclusion[] = [
  {
    ids: ['ISO7816_R_2..7', 'LDS_J_1..5', 'LDS_E_6'],
    requires: ['AA'],
    reason: 'Active Authentication (INTERNAL AUTHENTICATE, DG15, ActiveAuthenticationInfo)',
    evidence: NO_AA,
  },
  {
    ids: ['ISO7816_S_1..8', 'LDS_K_1..8'],
    requires: ['PACE-CAM', 'CARD_SECURITY'],
    reason: 'EF.CardSecurity of a PACE-CAM chip',
    evidence: DH_ONLY,
  },
  {
    ids: ['ISO7816_I_15', 'LDS_E_7'],
    requires: ['PACE-CAM'],
    reason: 'PACE with Chip Authentication Mapping',
    evidence: DH_ONLY,
  },
  {
    ids: ['ISO7816_I_8..11', 'ISO7816_I_14', 'ISO7816_I_23..26', 'ISO7816_I_29'],
    requires: ['CA-ECDH'],
    reason:
      'Chip Authentication with an elliptic-curve key (point coordinates, points off the curve); the DH cases of the same groups are implemented',
    evidence: DH_ONLY,
  },
  {
    ids: [
      'ISO7816_P_24..28',
      'ISO7816_P_30',
      'ISO7816_P_42..46',
      'ISO7816_P_49',
      'ISO7816_P_50',
      'ISO7816_P_52',
    ],
    requires: ['PACE-ECDH'],
    reason:
      'PACE on an elliptic-curve domain ((0,0), coordinate borderlines, points off the curve, point encoding)',
    evidence: DH_ONLY,
  },
  {
    ids: ['ISO7816_P_51'],
    requires: ['PACE-IM'],
    reason: 'PACE Integrated Mapping (the length of the additional nonce)',
    evidence: DH_ONLY,
  },
  {
    ids: ['LDS_C_14..25', 'LDS_G_12..14'],
    requires: ['ISO39794'],
    reason:
      'biometric data groups encoded to ISO/IEC 39794-5 (face) and 39794-4 (fingers), tag 7F2E; the CIE encodes DG2 to ISO/IEC 19794-5 and DG3 — fingerprints, readable after Terminal Authentication — to ISO/IEC 19794-4, which LDS_C_8..13 and LDS_E_10 check',
    evidence:
      'emulator/src/applications/emrtd/README.md §1.6 (DG2 JPEG2000 in a 19794-5 record, DG3 WSQ fingerprints behind EAC)',
  },
  {
    ids: ['LDS_G_15', 'LDS_H_12..15'],
    requires: ['DG4'],
    reason: 'DG4 (iris); the CIE has no DG4',
    evidence: NO_AA,
  },
];

/** Expands `X_12..15` ranges. */
export function expandIds(ids: readonly string[]): string[] {
  return ids.flatMap((id) => {
    const m = /^(.*_)(\d+)\.\.(\d+)$/.exec(id);
    if (!m) return [id];
    const [, prefix, from, to] = m as unknown as [string, string, string, string];
    return Array.from(
      { length: Number(to) - Number(from) + 1 },
      (_, i) => `${prefix}${Number(from) + i}`,
    );
  });
}

/** Exclusion of one matrix id, if any. */
export function exclusionOf(id: string): MatrixExclusion | undefined {
  return MATRIX_EXCLUSIONS.find((e) => expandIds(e.ids).includes(id));
}
