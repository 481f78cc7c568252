/**
 * Tag names by context: the same tag means different things in different templates (`80` is the
 * encrypted nonce inside a PACE `7C` but the mechanism reference inside an MSE CRT; `99` is the
 * SM status DO but the DH `q` inside the IAS `A3` template). Sources: ICAO 9303-11 §4.4.4 and
 * §9.8 (7C, SM DOs), ISO/IEC 7816-4:2020 §5.2, §7.4 (FCP) and §6 (SM), ICAO 9303-10 §4.6
 * (LDS tags), BSI TR-03110-3 C.1 (CV certificates), ias/README.md §2.4 (IAS GET DATA templates).
 */

export type TlvContext =
  | 'ga-command'
  | 'ga-response'
  | 'mse'
  | 'sm-command'
  | 'sm-response'
  | 'ias-data'
  | 'cert'
  | 'lds'
  | 'fcp'
  | 'der'
  | 'odd-read';

type Names = ReadonlyMap<number, string>;

const GA_COMMAND: Names = new Map([
  [0x7c, 'Dynamic Authentication Data'],
  [0x81, 'Mapping data (PK_map,PCD)'],
  [0x83, 'Ephemeral public key (PK_PCD)'],
  [0x85, 'Authentication token (T_PCD)'],
]);
const GA_RESPONSE: Names = new Map([
  [0x7c, 'Dynamic Authentication Data'],
  [0x80, 'Encrypted nonce (z)'],
  [0x82, 'Mapping data (PK_map,IC)'],
  [0x84, 'Ephemeral public key (PK_IC)'],
  [0x86, 'Authentication token (T_IC)'],
  [0x87, 'CAR (most recent)'],
  [0x88, 'CAR (previous)'],
  [0x8a, 'Encrypted chip authentication data'],
]);
const MSE: Names = new Map([
  [0x80, 'Cryptographic mechanism reference'],
  [0x83, 'Reference of a public/secret key (password or CHR)'],
  [0x84, 'Reference of a private key / domain parameters'],
  [0x91, 'Ephemeral public key (PuK.IFD.DH)'],
  [0x7f4c, 'Certificate holder authorization template'],
  [0x06, 'Object identifier'],
  [0x53, 'Discretionary data'],
  [0x67, 'Auxiliary data'],
]);
const SM_COMMAND: Names = new Map([
  [0x85, 'Cryptogram (odd INS)'],
  [0x87, 'Padding indicator ‖ cryptogram'],
  [0x97, 'Le'],
  [0x8e, 'Cryptographic checksum (MAC)'],
]);
const SM_RESPONSE: Names = new Map([
  [0x85, 'Cryptogram (odd INS)'],
  [0x87, 'Padding indicator ‖ cryptogram'],
  [0x99, 'Processing status (SW1 SW2)'],
  [0x8e, 'Cryptographic checksum (MAC)'],
]);
const IAS_DATA: Names = new Map([
  [0x4d, 'Extended header list'],
  [0x70, 'SDO template'],
  [0xbfa101, 'DH key SDO (ref 1)'],
  [0xbfa004, 'CA public key SDO (ref 4)'],
  [0xa3, 'DH domain parameters'],
  [0x97, 'g (generator)'],
  [0x98, 'p (prime)'],
  [0x99, 'q (subgroup order)'],
  [0x7f49, 'Public key'],
  [0x81, 'Modulus n'],
  [0x82, 'Public exponent e'],
  [0x5f20, 'Certificate holder reference (CHR)'],
  [0x5f4c, 'Certificate holder authorization (CHA)'],
  [0xa6, 'Key agreement template'],
  [0x91, 'Ephemeral public key (PuK.ICC.DH)'],
]);
const CERT: Names = new Map([
  [0x7f21, 'Card-verifiable certificate'],
  [0x7f4e, 'Certificate body'],
  [0x5f29, 'Certificate profile identifier'],
  [0x42, 'Certification authority reference (CAR)'],
  [0x5f20, 'Certificate holder reference (CHR)'],
  [0x5f4c, 'Certificate holder authorization'],
  [0x7f49, 'Public key'],
  [0x5f25, 'Effective date'],
  [0x5f24, 'Expiration date'],
  [0x5f37, 'Signature'],
  [0x5f38, 'Public key remainder'],
  [0x06, 'Object identifier'],
  [0x86, 'Public point'],
]);
const LDS: Names = new Map([
  [0x60, 'EF.COM'],
  [0x5f01, 'LDS version'],
  [0x5f36, 'Unicode version'],
  [0x5c, 'Tag list'],
  [0x61, 'DG1'],
  [0x5f1f, 'MRZ data'],
  [0x75, 'DG2'],
  [0x63, 'DG3'],
  [0x7f61, 'Biometric information group template'],
  [0x7f60, 'Biometric information template'],
  [0xa1, 'Biometric header template'],
  [0x5f2e, 'Biometric data block'],
  [0x6b, 'DG11'],
  [0x5f0e, 'Full name'],
  [0x5f0f, 'Other names'],
  [0x5f10, 'Personal number'],
  [0x5f2b, 'Full date of birth'],
  [0x5f11, 'Place of birth'],
  [0x5f42, 'Permanent address'],
  [0x5f12, 'Telephone'],
  [0x5f13, 'Profession'],
  [0x6c, 'DG12'],
  [0x5f19, 'Issuing authority'],
  [0x5f26, 'Date of issue'],
  [0x5f1c, 'Other persons'],
  [0x6e, 'DG14'],
  [0x6f, 'DG15'],
  [0x77, 'EF.SOD'],
  [0x5a, 'Application PAN (SN.ICC)'],
]);
const FCP: Names = new Map([
  [0x62, 'File control parameters'],
  [0x64, 'File management data'],
  [0x6f, 'File control information'],
  [0x80, 'Data size'],
  [0x81, 'Total size'],
  [0x82, 'File descriptor'],
  [0x83, 'File identifier'],
  [0x84, 'DF name'],
  [0x85, 'Proprietary information'],
  [0x88, 'Short EF identifier'],
  [0x8a, 'Life cycle status'],
  [0x8c, 'Security attributes (compact)'],
  [0xa1, 'Security attributes (template)'],
]);
const ODD_READ: Names = new Map([
  [0x54, 'Offset data object'],
  [0x53, 'Discretionary data (file content)'],
]);
const DER: Names = new Map([
  [0x01, 'BOOLEAN'],
  [0x02, 'INTEGER'],
  [0x03, 'BIT STRING'],
  [0x04, 'OCTET STRING'],
  [0x05, 'NULL'],
  [0x06, 'OBJECT IDENTIFIER'],
  [0x0c, 'UTF8String'],
  [0x13, 'PrintableString'],
  [0x16, 'IA5String'],
  [0x17, 'UTCTime'],
  [0x18, 'GeneralizedTime'],
  [0x30, 'SEQUENCE'],
  [0x31, 'SET'],
  [0xa0, '[0]'],
  [0xa1, '[1]'],
  [0xa2, '[2]'],
  [0xa3, '[3]'],
]);

const BY_CONTEXT: ReadonlyMap<TlvContext, Names> = new Map([
  ['ga-command', GA_COMMAND],
  ['ga-response', GA_RESPONSE],
  ['mse', MSE],
  ['sm-command', SM_COMMAND],
  ['sm-response', SM_RESPONSE],
  ['ias-data', IAS_DATA],
  ['cert', CERT],
  ['lds', LDS],
  ['fcp', FCP],
  ['odd-read', ODD_READ],
  ['der', DER],
]);

/** The context children of `tag` are read in (a DER structure inside an LDS object, …). */
export function childContext(ctx: TlvContext, tag: number): TlvContext {
  if (ctx === 'lds' && (tag === 0x77 || tag === 0x6e || tag === 0x6f)) return 'der';
  if (tag === 0x7f21 || tag === 0x7f4e) return 'cert';
  return ctx;
}

export function tagName(ctx: TlvContext, tag: number): string | undefined {
  return BY_CONTEXT.get(ctx)?.get(tag) ?? (ctx === 'lds' ? DER.get(tag) : undefined);
}
