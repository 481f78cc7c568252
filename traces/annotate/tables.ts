/**
 * Names for trace annotation: applications, files, key and password references, algorithm
 * identifiers and object identifiers of the CIE 3.0 chip. Sources: ISO/IEC 7816-4:2020 §7,
 * ICAO Doc 9303-10 §4.6 (LDS1 files), ICAO 9303-11 §4.4 and §9 (PACE, BAC, SM), BSI TR-03110-3
 * (OIDs), ias/README.md §2 (IAS/DF_CIE files, keys, SDOs) and emrtd/README.md §1 (eMRTD files).
 */

/** The applications a SELECT can make current. `mf` is the master file itself. */
export type AppId = 'mf' | 'ias' | 'cie' | 'emrtd' | 'lds2' | 'unknown';

export interface AppInfo {
  readonly id: AppId;
  readonly name: string;
  readonly ref: string;
}

export const APPLICATIONS: ReadonlyMap<string, AppInfo> = new Map([
  [
    'A0000000308000000009816001',
    { id: 'ias', name: 'IAS-ECC application', ref: 'ias/README.md §2.1' },
  ],
  ['A00000000039', { id: 'cie', name: 'DF_CIE (CIE application)', ref: 'ias/README.md §2.1' }],
  [
    'A0000002471001',
    {
      id: 'emrtd',
      name: 'eMRTD LDS1 application',
      ref: 'ICAO 9303-10 §3.6.2; emrtd/README.md §1.1',
    },
  ],
  [
    'A0000002472001',
    { id: 'lds2', name: 'ICAO LDS2 travel records application', ref: 'ICAO 9303-10 (LDS2)' },
  ],
]);

export interface FileInfo {
  readonly name: string;
  /** Content kind, for annotation (TLV structure) and for normalisation (what may differ). */
  readonly kind: FileKind;
}

/**
 * `public-constant`: the same on every card of a kind (EF.CardAccess, EF.COM, EF.ATR);
 * `holder-data`: personal data of the holder; `card-unique`: keys, signatures, serial numbers.
 */
export type FileKind = 'public-constant' | 'holder-data' | 'card-unique';

const f = (name: string, kind: FileKind): FileInfo => ({ name, kind });

/** FIDs by the application they live in (ias/README.md §2.2, emrtd/README.md §1.6). */
export const FILES: ReadonlyMap<AppId, ReadonlyMap<number, FileInfo>> = new Map<
  AppId,
  ReadonlyMap<number, FileInfo>
>([
  [
    'mf',
    new Map([
      [0x3f00, f('MF', 'public-constant')],
      [0x011c, f('EF.CardAccess', 'public-constant')],
      [0x011d, f('EF.CardSecurity', 'card-unique')],
      [0x2f00, f('EF.DIR', 'public-constant')],
      [0x2f01, f('EF.ATR', 'public-constant')],
      [0xd003, f('EF.SN.ICC', 'card-unique')],
      [0xd004, f('EF.DH', 'card-unique')],
    ]),
  ],
  [
    'cie',
    new Map([
      [0x1000, f('EF.1000', 'card-unique')],
      [0x1001, f('EF.ID_Servizi', 'card-unique')],
      [0x1002, f('EF.Seriale', 'holder-data')],
      [0x1003, f('EF.Cert_CIE', 'holder-data')],
      [0x1004, f('EF.Int.Kpub', 'card-unique')],
      [0x1005, f('EF.Servizi_Int.Kpub', 'card-unique')],
      [0x1006, f('EF.SOD (IAS)', 'card-unique')],
      [0x1007, f('EF.CIE.Kpub', 'card-unique')],
    ]),
  ],
  [
    'emrtd',
    new Map([
      [0x011e, f('EF.COM', 'public-constant')],
      [0x011d, f('EF.SOD', 'card-unique')],
      [0x011c, f('EF.CVCA', 'public-constant')],
      [0x0101, f('DG1 (MRZ)', 'holder-data')],
      [0x0102, f('DG2 (face)', 'holder-data')],
      [0x0103, f('DG3 (fingerprints)', 'holder-data')],
      [0x0104, f('DG4 (iris)', 'holder-data')],
      [0x0105, f('DG5', 'holder-data')],
      [0x0106, f('DG6', 'holder-data')],
      [0x0107, f('DG7 (signature)', 'holder-data')],
      [0x0108, f('DG8', 'holder-data')],
      [0x0109, f('DG9', 'holder-data')],
      [0x010a, f('DG10', 'holder-data')],
      [0x010b, f('DG11 (additional personal details)', 'holder-data')],
      [0x010c, f('DG12 (additional document details)', 'holder-data')],
      [0x010d, f('DG13', 'holder-data')],
      [0x010e, f('DG14 (security infos)', 'card-unique')],
      [0x010f, f('DG15 (AA public key)', 'card-unique')],
      [0x0110, f('DG16 (persons to notify)', 'holder-data')],
    ]),
  ],
]);

/** Short EF identifiers (READ BINARY P1 = 80|SFI, odd READ BINARY P2) by application. */
export const SFIS: ReadonlyMap<AppId, ReadonlyMap<number, number>> = new Map<
  AppId,
  ReadonlyMap<number, number>
>([
  // ias/README.md §2.2: EF.ATR SFI 1D (PN532 evidence), EF.DH SFI 1B; EF.CardAccess SFI 1C (emrtd/README.md §1.3).
  [
    'mf',
    new Map([
      [0x1c, 0x011c],
      [0x1d, 0x2f01],
      [0x1b, 0xd004],
      [0x1e, 0x2f00],
    ]),
  ],
  [
    'cie',
    new Map([
      [0x01, 0x1001],
      [0x04, 0x1004],
      [0x05, 0x1005],
      [0x06, 0x1006],
    ]),
  ],
  [
    'emrtd',
    new Map([
      [0x1e, 0x011e],
      [0x1d, 0x011d],
      [0x1c, 0x011c],
      ...Array.from({ length: 16 }, (_, i) => [i + 1, 0x0101 + i] as [number, number]),
    ]),
  ],
]);
/** The IAS root is the MF on NXP/ITJ4 cards (ias/README.md §1.3): its files are the MF's. */
export function filesOf(app: AppId): ReadonlyMap<number, FileInfo> | undefined {
  return FILES.get(app === 'ias' ? 'mf' : app);
}
export function sfisOf(app: AppId): ReadonlyMap<number, number> | undefined {
  return SFIS.get(app === 'ias' ? 'mf' : app);
}

/** PACE password references, MSE:Set AT DO83 (ICAO 9303-11 §4.4.4.1 / TR-03110-3 D.1). */
export const PACE_PASSWORDS: ReadonlyMap<number, string> = new Map([
  [0x01, 'MRZ'],
  [0x02, 'CAN'],
  [0x03, 'PIN'],
  [0x04, 'PUK'],
]);

/** CIE IAS key and PIN references (ias/README.md §2.3). */
export const IAS_REFERENCES: ReadonlyMap<number, string> = new Map([
  [0x81, 'PIN / DH key / holder signature key (ref 1)'],
  [0x82, 'PUK / ICC authentication key (DAPP, ref 2)'],
  [0x83, 'servizi key (ref 3)'],
  [0x84, 'CA public key (ref 4)'],
]);

/** Key references of MSE SET AT `84` (private key) in the IAS application (ias/README.md §2.3). */
export const IAS_PRIVATE_KEYS: ReadonlyMap<number, string> = new Map([
  [0x81, 'holder signature key'],
  [0x82, 'ICC authentication key (DAPP)'],
  [0x83, 'servizi key'],
]);

/** IAS algorithm identifiers, MSE DO80 (ias/README.md §2.3). */
export const IAS_ALGORITHMS: ReadonlyMap<number, string> = new Map([
  [0x02, 'RSA PKCS#1 v1.5, card pads'],
  [0x41, 'ISO 9796-2 scheme 1 with SHA-256'],
  [0x9b, 'DH privacy, SHA-256'],
]);

/** Object identifiers (TR-03110-3 A.1, ICAO 9303-11 §9.2, RFC 5280), dotted → name. */
export const OIDS: ReadonlyMap<string, string> = new Map([
  ['0.4.0.127.0.7.2.2.4.1.1', 'id-PACE-DH-GM-3DES-CBC-CBC'],
  ['0.4.0.127.0.7.2.2.4.1.2', 'id-PACE-DH-GM-AES-CBC-CMAC-128'],
  ['0.4.0.127.0.7.2.2.4.1.3', 'id-PACE-DH-GM-AES-CBC-CMAC-192'],
  ['0.4.0.127.0.7.2.2.4.1.4', 'id-PACE-DH-GM-AES-CBC-CMAC-256'],
  ['0.4.0.127.0.7.2.2.4.2.1', 'id-PACE-ECDH-GM-3DES-CBC-CBC'],
  ['0.4.0.127.0.7.2.2.4.2.2', 'id-PACE-ECDH-GM-AES-CBC-CMAC-128'],
  ['0.4.0.127.0.7.2.2.4.2.3', 'id-PACE-ECDH-GM-AES-CBC-CMAC-192'],
  ['0.4.0.127.0.7.2.2.4.2.4', 'id-PACE-ECDH-GM-AES-CBC-CMAC-256'],
  ['0.4.0.127.0.7.2.2.4.3.1', 'id-PACE-DH-IM-3DES-CBC-CBC'],
  ['0.4.0.127.0.7.2.2.4.4.2', 'id-PACE-ECDH-IM-AES-CBC-CMAC-128'],
  ['0.4.0.127.0.7.2.2.4.6.2', 'id-PACE-ECDH-CAM-AES-CBC-CMAC-128'],
  ['0.4.0.127.0.7.2.2.1.1', 'id-PK-DH'],
  ['0.4.0.127.0.7.2.2.1.2', 'id-PK-ECDH'],
  ['0.4.0.127.0.7.2.2.3.1.1', 'id-CA-DH-3DES-CBC-CBC'],
  ['0.4.0.127.0.7.2.2.2', 'id-TA'],
  ['0.4.0.127.0.7.3.1.2.2', 'id-IS (inspection system role)'],
  ['2.23.136.1.1.1', 'id-icao-mrtd-security-ldsSecurityObject'],
  ['1.2.840.113549.1.7.2', 'signedData'],
  ['1.2.840.113549.1.1.1', 'rsaEncryption'],
  ['1.2.840.113549.1.1.10', 'RSASSA-PSS'],
  ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
  ['1.3.14.3.2.26', 'sha1'],
]);

/** MSE P1 (ISO/IEC 7816-4:2020 §7.5.11 Table 79). */
export const MSE_P1: ReadonlyMap<number, string> = new Map([
  [0x41, 'SET for internal authentication / key agreement'],
  [0x81, 'SET for verification / external authentication'],
  [0xc1, 'SET for mutual authentication (PACE/CA)'],
  [0xf1, 'SET (all operations)'],
  [0xf2, 'STORE'],
  [0xf3, 'RESTORE'],
  [0xf4, 'ERASE'],
]);

/** MSE P2: the control reference template (ISO/IEC 7816-4:2020 §7.5.11 Table 80). */
export const MSE_P2: ReadonlyMap<number, string> = new Map([
  [0xa4, 'AT (authentication template)'],
  [0xa6, 'KAT (key agreement template)'],
  [0xaa, 'HT (hash template)'],
  [0xb4, 'CCT (cryptographic checksum template)'],
  [0xb6, 'DST (digital signature template)'],
  [0xb8, 'CT (confidentiality template)'],
]);
