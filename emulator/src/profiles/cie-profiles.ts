/**
 * The CIE 3.0 personalities: the 11 ATRs the official Windows software registers plus the
 * Actalis B946 ATR known to the macOS middleware and opencie (ias/README.md §1.1), each with its
 * EF.ATR (§1.4) and pipeline quirks.
 *
 How the quirks are derived:
 * - every CIE 3.0 accepts extended-length APDUs: its eMRTD application needs them for PACE-DH
 *   (emrtd/README.md §1.1, OpenSC #2486; the IPZS SDK makes them mandatory, ias/README.md §4.4);
 * - long SM responses (291 bytes, §4.4 [open]) to *short* commands: chips whose EF.ATR card
 *   capabilities announce extended Lc/Le (§1.4 decoding of `47 03`, third byte: Gemalto `…41 C0`,
 *   ITJ4 `…01 E0` with `7F 66` max command 1238 / max response 2019) send them whole, as T=1
 *   readers pass them; chips whose EF.ATR does not (NXP `…01 80`, ST `…01 81`) keep to the ISO
 *   rule for a short Le of 00 (at most 256 bytes) and answer `61xx` + GET RESPONSE [inferred];
 * - every chip caps READ BINARY at 231 bytes (§2.2 notes), accepts both IAS selection forms and
 *   both GET DATA forms (§1.3 [inferred]), and follows the §4.3 outer-status policy (outer 9000,
 *   real status in DO 99) — the alternatives are options for experiments;
 * - ST chips reject MSE SET B6 for the terminal CHR (§1.3, ISDK comment);
 * - a READ BINARY (`B0`) asking past the end returns the bytes left with `9000` (the ASDK fixture's
 *   `00 B0 85 E7 00` → 39 bytes + `9000`; the NXP and Gemalto2 EF.ATR read-outs with Le `80`, §1.4,
 *   §2.2 notes; ICAO Part 3 ISO7816_E_4 expects `9000`), while the odd READ BINARY (`B1`) ends its
 *   last piece with `6282` (the real last EF.SOD chunk of the same fixture, §2.2 row 1006);
 *   `6282` for `B0` stays an option (`readBeyondEof`).
 * EF.ATR contents marked [inferred] complete a published pattern (see `evidence`).
 */
import type { CardOptions } from '../card/card-options.ts';
import { cieProfileSchema, ProfileError, type CieProfile } from './cie-profile.ts';

const COMMON: Partial<CardOptions> = {
  readBinaryMax: 0xe7,
  readBeyondEof: '9000',
  readBeyondEofOdd: '6282',
  smOuterSw: 'ok',
  smWrapErrors: true,
  neTooSmall: '61xx',
  dataWithoutLe: 'send',
  t0Case4: false,
  maxCommandData: 1238,
  maxChainedData: 4096,
};
const EXTENDED: Partial<CardOptions> = { ...COMMON, extendedLength: true, longResponses: 'whole' };
const ISO_SHORT_LE: Partial<CardOptions> = {
  ...COMMON,
  extendedLength: true,
  longResponses: '61xx',
};
const ITJ4: Partial<CardOptions> = { ...EXTENDED, maxResponseData: 2019 };

const EF_ATR_NXP =
  '80 00 43 01 B8 46 04 10 10 10 10 47 03 94 01 80 E0 10 02 02 01 04 02 02 00 E6 02 02 00 E6 02 02 00 E6 78 08 06 06 2B 81 22 F8 78 02 82 02 90 00 00';
const EF_ATR_ST =
  '80 00 43 01 B9 46 04 00 00 00 10 47 03 94 01 81 4F 0C A0 00 00 00 95 00 00 00 00 8A 00 01 E0 10 02 02 00 FF 02 02 00 FF 02 02 01 00 02 02 01 00 78 08 06 06 2B 81 22 F8 78 02 82 02 90 00';
const EF_ATR_ITJ4 =
  '80 00 43 01 B8 46 04 10 10 10 10 47 03 94 01 E0 7F 66 08 02 02 04 D6 02 02 07 E3 E0 10 02 02 01 04 02 02 00 E6 02 02 00 E6 02 02 00 E6 78 08 06 06 2B 81 22 F8 78 02 82 02 90 00';
const EF_ATR_GEMALTO =
  '80 00 47 03 94 41 C0 E0 10 02 02 01 04 02 02 00 E6 02 02 00 E6 02 02 00 E6 50 0A 49 61 73 45 63 63 52 6F 6F 74 78 08 06 06 2B 81 22 F8 78 02 82 02 90 00';
const EF_ATR_GEMALTO2 = '47 03 94 41 C0';

/**
 * PACE nonce length by chip family [inferred, emrtd/README.md §1.2]: the 2018 card of
 * italia/cie-mrtd-dotnet-sdk#8 answered a 16-byte nonce, the 2023 card of
 * italia/cie-mrtd-example-app#1 an 8-byte one. In 2018 only the Gemalto and NXP CIE ATRs were known
 * (smartcard_list.txt additions of 2018-06-08 and 2018-12-17), so the first-generation families
 * (Gemalto, NXP, ST) take 16; the JCOP4 "ITJ4" family (Bit4id, Actalis; ATRs listed from 2022-11)
 * that was issuing in 2023 takes 8.
 */
const NONCE_16 = {
  emrtd: { paceNonceLength: 16 },
  evidence:
    '16-byte GA step 1 nonce of the 2018 real card (italia/cie-mrtd-dotnet-sdk#8), assigned to the first-generation families [inferred]',
} as const;
const NONCE_8 = {
  emrtd: { paceNonceLength: 8 },
  evidence:
    '8-byte GA step 1 nonce of the 2023 real card (italia/cie-mrtd-example-app#1), assigned to the ITJ4 family [inferred]',
} as const;

const ST_EVIDENCE =
  'ST EF.ATR read-out in pagopa/io-cie-ios-sdk IAS.mm, pagopa/cie-sdk-android and cie-sdk-ios CIEType (ias/README.md §1.4)';
const ITJ4_EVIDENCE =
  'Actalis EF.ATR pattern of pagopa/cie-sdk-android CieType.kt and cie-sdk-ios CIEType.swift (ias/README.md §1.4), completed with the 82 02 90 00 status indicator every EF.ATR ends with [inferred]';

const RAW: readonly CieProfile[] = [
  {
    id: 'gemalto2',
    label: 'CIE 3.0 Gemalto (second type, B0 85 03 00 EF)',
    windowsCardName: 'CIE_1',
    middlewareType: 'CIE_Gemalto2',
    vendor: 'Gemalto / Thales',
    atr: '3B 8F 80 01 80 31 80 65 B0 85 03 00 EF 12 0F FF 82 90 00 73',
    efAtr: EF_ATR_GEMALTO2,
    evidence: {
      atr: 'Windows StoreProvider.cpp registration; middleware signature 80 31 80 65 B0 85 03 00 EF (ias/README.md §1.1)',
      efAtr:
        'real read-out of a cancelled Gemalto2 card, emulator/src/profiles/real-card/ef-atr-readouts.txt (ias/README.md §1.4); kept verbatim [open: complete content]',
      quirks: 'capabilities 94 41 C0: extended length → whole long responses',
      paceNonce: NONCE_16.evidence,
    },
    sodVariant: 'sha256-pkcs1',
    card: EXTENDED,
    emrtd: NONCE_16.emrtd,
    ias: {},
  },
  {
    id: 'gemalto',
    label: 'CIE 3.0 Gemalto (B0 85 04 00 11)',
    windowsCardName: 'CIE_2',
    middlewareType: 'CIE_Gemalto',
    vendor: 'Gemalto / Thales',
    atr: '3B 8F 80 01 80 31 80 65 B0 85 04 00 11 12 0F FF 82 90 00 8A',
    efAtr: EF_ATR_GEMALTO,
    evidence: {
      atr: 'real pcsc_scan (OpenSC/OpenSC#2486), emulator/src/profiles/real-card/real-card-ATRs_pcsc_scan.txt; Windows registration (ias/README.md §1.1)',
      efAtr:
        "no read-out published; built from the Gemalto2 capabilities, the NXP size template and the ASCII 'IasEccRoot' marker the mobile clients look for (ias/README.md §1.4) [inferred]",
      quirks:
        'desktop sends one GET DATA for the whole DH template (ias/README.md §1.3); extended length → whole long responses',
      paceNonce: NONCE_16.evidence,
    },
    sodVariant: 'sha256-pkcs1',
    card: EXTENDED,
    emrtd: NONCE_16.emrtd,
    ias: {},
  },
  {
    id: 'nxp',
    label: 'CIE 3.0 NXP (ITNXP)',
    windowsCardName: 'CIE_3',
    middlewareType: 'CIE_NXP',
    vendor: 'NXP',
    atr: '3B 8E 80 01 80 31 80 65 49 54 4E 58 50 12 0F FF 82 90 F0',
    efAtr: EF_ATR_NXP,
    evidence: {
      atr: 'smartcard_list.txt and OPC docs (ias/README.md §1.1); Windows registers it with the last 4 bytes masked',
      efAtr:
        'real read-out, emulator/src/profiles/real-card/ef-atr-readouts.txt (from pagopa/io-cie-ios-sdk IAS.mm)',
      quirks:
        'capabilities 94 01 80 (extended length not announced): responses over 256 bytes to short commands via 61xx',
      paceNonce: NONCE_16.evidence,
    },
    sodVariant: 'sha256-pkcs1',
    card: ISO_SHORT_LE,
    emrtd: NONCE_16.emrtd,
    ias: {},
  },
  {
    id: 'stm',
    label: 'CIE 3.0 STMicroelectronics (B8 00 7F)',
    windowsCardName: 'CIE_4',
    middlewareType: 'CIE_STM',
    vendor: 'STMicroelectronics',
    atr: '3B 8B 80 01 80 66 47 50 00 B8 00 7F 82 90 00 2E',
    efAtr: EF_ATR_ST,
    evidence: {
      atr: 'Windows registration, smartcard_list.txt (ias/README.md §1.1)',
      efAtr: ST_EVIDENCE,
      quirks:
        'extended length not announced → 61xx for long responses to short commands; MSE SET B6 for the terminal CHR rejected (ISDK)',
      paceNonce: NONCE_16.evidence,
    },
    sodVariant: 'sha256-pkcs1',
    card: ISO_SHORT_LE,
    emrtd: NONCE_16.emrtd,
    ias: { externalAuthCrt: ['A4'] },
  },
  {
    id: 'stm2',
    label: 'CIE 3.0 STMicroelectronics, Type B without historical bytes',
    windowsCardName: 'CIE_5',
    middlewareType: 'CIE_STM2',
    vendor: 'STMicroelectronics',
    atr: '3B 80 80 01 01',
    efAtr: EF_ATR_ST,
    evidence: {
      atr: 'Windows registration (ias/README.md §1.1); generic ISO 14443-B pseudo-ATR',
      efAtr: ST_EVIDENCE,
      quirks: 'as stm',
      paceNonce: NONCE_16.evidence,
    },
    sodVariant: 'sha256-pkcs1',
    card: ISO_SHORT_LE,
    emrtd: NONCE_16.emrtd,
    ias: { externalAuthCrt: ['A4'] },
  },
  {
    id: 'stm3',
    label: 'CIE 3.0 STMicroelectronics (B8 00 94)',
    windowsCardName: 'CIE_6',
    middlewareType: 'CIE_STM3',
    vendor: 'STMicroelectronics',
    atr: '3B 8B 80 01 80 66 47 50 00 B8 00 94 82 90 00 C5',
    efAtr: EF_ATR_ST,
    evidence: {
      atr: 'Windows registration, smartcard_list.txt (ias/README.md §1.1)',
      efAtr: ST_EVIDENCE,
      quirks: 'as stm',
      paceNonce: NONCE_16.evidence,
    },
    sodVariant: 'sha256-pkcs1',
    card: ISO_SHORT_LE,
    emrtd: NONCE_16.emrtd,
    ias: { externalAuthCrt: ['A4'] },
  },
  itj4(
    'bit4id',
    'CIE 3.0 Bit4id ITJ4 (ITJ4B)',
    'CIE_7',
    'CIE_BIT4ID',
    'Bit4id',
    '3B 8F 80 01 80 31 80 65 49 54 4A 34 42 12 0F FF 82 90 00 8B',
    'sha256-pkcs1',
  ),
  itj4(
    'actalis',
    'CIE 3.0 Actalis ITJ4 (ITJ4A)',
    'CIE_8',
    'CIE_ACTALIS',
    'Actalis',
    '3B 8F 80 01 80 31 80 65 49 54 4A 34 41 12 0F FF 82 90 00 88',
    'sha256-pkcs1',
  ),
  itj4(
    'bit4id2',
    'CIE 3.0 Bit4id 2023 (ITJ4D)',
    'CIE_9',
    'CIE_BIT4ID2',
    'Bit4id',
    '3B 8F 80 01 80 31 80 65 49 54 4A 34 44 12 0F FF 82 90 00 8D',
    'sha512-pss',
  ),
  itj4(
    'actalis2',
    'CIE 3.0 Actalis 2023 (ITJ4C)',
    'CIE_10',
    'CIE_ACTALIS2',
    'Actalis',
    '3B 8F 80 01 80 31 80 65 49 54 4A 34 43 12 0F FF 82 90 00 8A',
    'sha512-pss',
  ),
  itj4(
    'bit4id3',
    'CIE 3.0 Bit4id B9547 (ITJ4I)',
    'CIE_11',
    'CIE_BIT4ID3',
    'Bit4id',
    '3B 8F 80 01 80 31 80 65 49 54 4A 34 49 12 0F FF 82 90 00 80',
    'sha512-pss',
  ),
  itj4(
    'actalis-b946',
    'CIE 3.0 Actalis B946 (ITJ4L)',
    null,
    'Actalis_B946',
    'Actalis',
    '3B 8F 80 01 80 31 80 65 49 54 4A 34 4C 12 0F FF 82 90 00 85',
    'sha512-pss',
  ),
];

function itj4(
  id: string,
  label: string,
  win: string | null,
  type: string,
  vendor: string,
  atr: string,
  sod: CieProfile['sodVariant'],
): CieProfile {
  return {
    id,
    label,
    windowsCardName: win,
    middlewareType: type,
    vendor,
    atr,
    efAtr: EF_ATR_ITJ4,
    evidence: {
      atr: win
        ? 'Windows StoreProvider.cpp registration and middleware atr_list (ias/README.md §1.1)'
        : 'macOS middleware ATR.cpp and opencie tests only (ias/README.md §1.1)',
      efAtr: ITJ4_EVIDENCE,
      quirks:
        'JCOP4 ITJ4 applet: capabilities 94 01 E0 + 7F 66 (max command 1238, max response 2019) → whole long responses; desktop selects with 00 A4 00 00',
      paceNonce: NONCE_8.evidence,
    },
    sodVariant: sod,
    card: ITJ4,
    emrtd: NONCE_8.emrtd,
    ias: {},
  };
}

export const CIE_PROFILES: readonly CieProfile[] = RAW.map((p) =>
  Object.freeze(cieProfileSchema.parse(p)),
);

/** The personality `createDefaultCard()` and `ciebench card new` use unless told otherwise. */
export const DEFAULT_CIE_PROFILE_ID = 'nxp';

export function cieProfile(id: string): CieProfile {
  const p = CIE_PROFILES.find((x) => x.id === id);
  if (!p)
    throw new ProfileError(
      `unknown CIE profile '${id}' (known: ${CIE_PROFILES.map((x) => x.id).join(', ')})`,
    );
  return p;
}
