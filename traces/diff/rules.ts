/**
 * THE normalisation table: every rule that hides what legitimately differs between two
 * runs or two cards, one row per rule, each with the reason and the clause that makes the bytes
 * differ. The diff names the rules it applied to every pair. Two kinds:
 *
 * - `coalesce` rules merge consecutive exchanges into one logical exchange before alignment
 *   (a GET RESPONSE chain, a wrong-Le retry, a transport retry, a file read in chunks);
 * - `mask` rules hide bytes of a logical exchange (by BER-TLV path, so tags and lengths are still
 *   compared), or its whole data when even the length may differ (personal data).
 *
 * SM-protected exchanges are compared through their plain forms when both traces have them
 * (recorded or decrypted), otherwise through their DO structure (`sm-wire`).
 */
import type { CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import type { FileRef } from '../annotate/state.ts';
import { maskRange, maskTlvValues, type Masked } from './masking.ts';

export interface RuleInput {
  readonly command: CommandApdu;
  readonly commandBytes: Uint8Array;
  /** Response data without SW (the semantic, plain form). */
  readonly data: Uint8Array;
  readonly sw: number;
  readonly file?: FileRef;
  readonly app: string;
}

export interface MaskTarget {
  readonly command: Masked;
  readonly data: Masked;
  /** Set by a rule that hides the whole data, length included. */
  wholeData?: string;
}

export interface NormalisationRule {
  readonly id: string;
  readonly kind: 'mask' | 'coalesce';
  readonly title: string;
  readonly reason: string;
  readonly ref: string;
  /** Mask rules: applies the masks, returns whether anything changed. */
  readonly apply?: (x: RuleInput, t: MaskTarget) => boolean;
}

const INS = {
  GA: 0x86,
  GA_ODD: 0x87,
  CHALLENGE: 0x84,
  EXT_AUTH: 0x82,
  INT_AUTH: 0x88,
  MSE: 0x22,
  GET_DATA: 0xcb,
  PSO: 0x2a,
  READ: 0xb0,
  READ_ODD: 0xb1,
} as const;

const isGa = (x: RuleInput): boolean => x.command.ins === INS.GA || x.command.ins === INS.GA_ODD;
const isBac = (x: RuleInput): boolean =>
  x.command.ins === INS.EXT_AUTH && x.command.data.length === 40;
const isRead = (x: RuleInput): boolean =>
  x.command.ins === INS.READ || x.command.ins === INS.READ_ODD;
/** Offset of the data field in the command bytes (short or extended Lc). */
const dataOffset = (x: RuleInput): number => (x.command.form === 'extended' ? 7 : 5);

function maskCommandTlv(
  x: RuleInput,
  t: MaskTarget,
  paths: ReadonlyArray<readonly number[]>,
): boolean {
  const off = dataOffset(x);
  const sub: Masked = t.command.slice(off, off + x.command.data.length);
  const changed = maskTlvValues(sub, x.command.data, paths);
  sub.forEach((b, i) => (t.command[off + i] = b));
  return changed;
}

function maskCommandData(x: RuleInput, t: MaskTarget, from = 0): boolean {
  const off = dataOffset(x);
  return maskRange(t.command, off + from, off + x.command.data.length);
}

/**
 * EXTERNAL AUTHENTICATE data to hide: the IAS DAPP one keeps its fixed SN.IFD (first 8 bytes,
 * ias/README.md §5.3 step 6); the eMRTD Terminal Authentication one is a signature only. Chained
 * segments arrive merged (`command-chain`).
 */
function maskExternalAuthentication(x: RuleInput, t: MaskTarget): boolean {
  return maskCommandData(x, t, x.app === 'emrtd' ? 0 : 8);
}

/** Both sides are always evaluated (unlike `||`), so command and response masks both apply. */
const either = (...applied: boolean[]): boolean => applied.some(Boolean);

function wholeData(t: MaskTarget, label: string, x: RuleInput): boolean {
  if (x.data.length === 0) return false;
  t.wholeData = label;
  return true;
}

export const RULES: readonly NormalisationRule[] = [
  {
    id: 'command-chain',
    kind: 'coalesce',
    title: 'command chain merged',
    reason:
      'Clients split long data fields into chained commands wherever they like (the IAS MSE SET KAT at 255 bytes, SM commands at 231); the whole command is compared, so data objects cut across segments are masked whole.',
    ref: 'ISO/IEC 7816-4:2020 §5.3.3; ias/README.md §3 row 10, §4.2 item 7',
  },
  {
    id: 'get-response-chain',
    kind: 'coalesce',
    title: 'GET RESPONSE chain merged',
    reason:
      'A card may return long data at once or as 61xx + GET RESPONSE; the merged data and final SW are compared.',
    ref: 'ISO/IEC 7816-4:2020 §5.3.4 (61xx), ias/README.md §4.4',
  },
  {
    id: 'wrong-le-retry',
    kind: 'coalesce',
    title: '6Cxx wrong-Le retry merged',
    reason: 'A 6Cxx answer followed by the same command with Le = xx is one logical read.',
    ref: 'ISO/IEC 7816-4:2020 §5.6 Table 6 (6Cxx), ias/README.md §11',
  },
  {
    id: 'transport-retry',
    kind: 'coalesce',
    title: 'retry after a failed transmission',
    reason:
      'A command without a response (transport error, card removed) repeated at once: only the last attempt counts.',
    ref: 'PC/SC Part 5 SCardTransmit errors',
  },
  {
    id: 'read-chunks',
    kind: 'coalesce',
    title: 'chunked read of a personal or card-unique file merged',
    reason:
      'The number of READ BINARY chunks follows the file length, which differs between holders and cards.',
    ref: 'ISO/IEC 7816-4:2020 §7.2.3; ias/README.md §2.2 (0xE7 chunks); emrtd/README.md §1.6',
  },
  {
    id: 'sw-only-source',
    kind: 'mask',
    title: 'the source logged status words only',
    reason:
      'Some logs print each command and its status word, never the response data (the italia/cie-PN532 sketch); such exchanges are compared by status word.',
    ref: 'traces/import/formats/pn532.ts; italia/cie-PN532 issues 3 and 5',
  },
  {
    id: 'sm-wire',
    kind: 'mask',
    title: 'secure-messaging cryptograms and MACs',
    reason:
      'DO 87/85 cryptograms and DO 8E MACs depend on the session keys and the SSC; plain forms are compared instead when known.',
    ref: 'ICAO 9303-11 §9.8; ISO/IEC 7816-4:2020 §6',
  },
  {
    id: 'challenge',
    kind: 'mask',
    title: 'GET CHALLENGE random',
    reason: 'The card challenge is fresh random data.',
    ref: 'ISO/IEC 7816-4:2020 §7.5.3',
    apply: (x, t) => x.command.ins === INS.CHALLENGE && maskRange(t.data, 0),
  },
  {
    id: 'pace-nonce',
    kind: 'mask',
    title: 'PACE encrypted nonce',
    reason: 'z = E(K_π, s) with a fresh random nonce s (its length is compared).',
    ref: 'ICAO 9303-11 §4.4.4.1 step 1',
    apply: (x, t) => isGa(x) && maskTlvValues(t.data, x.data, [[0x7c, 0x80]]),
  },
  {
    id: 'pace-public-keys',
    kind: 'mask',
    title: 'PACE mapping and ephemeral DH/ECDH public keys',
    reason: 'Mapping data and ephemeral public keys are generated per session.',
    ref: 'ICAO 9303-11 §4.4.4.1 steps 2-3',
    apply: (x, t) =>
      isGa(x) &&
      either(
        maskCommandTlv(x, t, [
          [0x7c, 0x81],
          [0x7c, 0x83],
        ]),
        maskTlvValues(t.data, x.data, [
          [0x7c, 0x82],
          [0x7c, 0x84],
        ]),
      ),
  },
  {
    id: 'pace-tokens',
    kind: 'mask',
    title: 'PACE authentication tokens',
    reason: 'T_PCD and T_IC are MACs over the session public keys.',
    ref: 'ICAO 9303-11 §4.4.4.1 step 4',
    apply: (x, t) =>
      isGa(x) &&
      either(maskCommandTlv(x, t, [[0x7c, 0x85]]), maskTlvValues(t.data, x.data, [[0x7c, 0x86]])),
  },
  {
    id: 'bac-cryptograms',
    kind: 'mask',
    title: 'BAC MUTUAL AUTHENTICATE cryptograms',
    reason: 'E.IFD‖M.IFD and E.IC‖M.IC encrypt fresh nonces and key material.',
    ref: 'ICAO 9303-11 §9.7.2',
    apply: (x, t) => isBac(x) && either(maskCommandData(x, t), maskRange(t.data, 0)),
  },
  {
    id: 'ias-dh-public-keys',
    kind: 'mask',
    title: 'IAS ephemeral DH public keys',
    reason: 'PuK.IFD.DH (MSE SET KAT DO 91) and PuK.ICC.DH (GET DATA A6/91) are fresh per session.',
    ref: 'ias/README.md §4.1 steps 3-5',
    apply: (x, t) =>
      either(
        x.command.ins === INS.MSE && x.command.p2 === 0xa6 && maskCommandTlv(x, t, [[0x91]]),
        x.command.ins === INS.GET_DATA && maskTlvValues(t.data, x.data, [[0xa6, 0x91]]),
      ),
  },
  {
    id: 'device-authentication',
    kind: 'mask',
    title: 'EXTERNAL/INTERNAL AUTHENTICATE challenges and signatures',
    reason:
      'Signatures over fresh challenges (IAS DAPP, servizi and holder keys) and the challenges themselves.',
    ref: 'ias/README.md §5.3 steps 6-7, §5.1 B, §7',
    apply: (x, t) =>
      either(
        x.command.ins === INS.EXT_AUTH && !isBac(x) && maskExternalAuthentication(x, t),
        x.command.ins === INS.INT_AUTH && either(maskCommandData(x, t), maskRange(t.data, 0)),
      ),
  },
  {
    id: 'terminal-certificate',
    kind: 'mask',
    title: 'terminal certificate signature and CAR',
    reason:
      "The terminal certificate is signed for the card's CA key, which differs between cards.",
    ref: 'ias/README.md §5.3 step 1',
    apply: (x, t) =>
      x.command.ins === INS.PSO &&
      maskCommandTlv(x, t, [
        [0x7f21, 0x5f37],
        [0x7f21, 0x5f38],
        [0x7f21, 0x42],
      ]),
  },
  {
    id: 'card-domain-parameters',
    kind: 'mask',
    title: 'card keys and DH parameters from GET DATA',
    reason:
      'DH group, CA public key and its CHR/CHA are chosen per card (the structure is compared).',
    ref: 'ias/README.md §2.4',
    apply: (x, t) =>
      x.command.ins === INS.GET_DATA &&
      maskTlvValues(t.data, x.data, [
        [0x70, 0xbfa101, 0xa3, 0x97],
        [0x70, 0xbfa101, 0xa3, 0x98],
        [0x70, 0xbfa101, 0xa3, 0x99],
        [0x70, 0xbfa004, 0x7f49, 0x81],
        [0x70, 0xbfa004, 0x7f49, 0x82],
        [0x70, 0xbfa004, 0x7f49, 0x5f20],
        [0x70, 0xbfa004, 0x7f49, 0x5f4c],
      ]),
  },
  {
    id: 'holder-data',
    kind: 'mask',
    title: 'personal data of the holder',
    reason:
      'MRZ, names, dates, portrait, document number and certificate differ between holders (length included).',
    ref: 'ICAO 9303-10 §4.7 (DG1-DG16); ias/README.md §2.2 (EF 1002, 1003)',
    apply: (x, t) =>
      isRead(x) &&
      x.file?.kind === 'holder-data' &&
      wholeData(t, `<holder data of ${x.file.name}>`, x),
  },
  {
    id: 'card-unique-data',
    kind: 'mask',
    title: 'card-unique files: keys, serial numbers, security objects',
    reason:
      'EF.SOD, DG14, EF.SN.ICC, EF.ID_Servizi and public-key files are unique to each card (length included).',
    ref: 'ICAO 9303-10 §4.6.2 (EF.SOD), §4.7.14 (DG14); ias/README.md §2.2',
    apply: (x, t) =>
      isRead(x) &&
      x.file?.kind === 'card-unique' &&
      wholeData(t, `<card-unique data of ${x.file.name}>`, x),
  },
];

export const RULES_BY_ID: ReadonlyMap<string, NormalisationRule> = new Map(
  RULES.map((r) => [r.id, r]),
);
