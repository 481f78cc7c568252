/**
 * The secure-messaging codec: one DO layout for every cipher suite, card side and terminal side.
 * ISO/IEC 7816-4:2020 §6 and ICAO 9303-11 §9.8; the CIE IAS uses the same layout
 * (ias/README.md §4.2–4.3).
 *
 * ```
 *  command   CLA|0C INS P1 P2  Lc'  [87 L 01‖C | 85 L C]  [97 L Le]  8E 08 MAC  Le'
 *            MAC = suite.mac(K_mac, pad(SSC ‖ pad(CLA INS P1 P2) ‖ DO87/85 ‖ DO97))
 *  response  [87 L 01‖C | 85 L C]  99 02 SW1 SW2  8E 08 MAC   SW
 *            MAC = suite.mac(K_mac, pad(SSC ‖ DO87/85 ‖ DO99))
 *  C = suite.encrypt(K_enc, SSC, pad(data));  SSC advanced once per command, once per response
 * ```
 * DO 85 carries the cryptogram for odd INS (no padding-content indicator), DO 87 for even INS.
 * Failures raise {@link SmError}: a missing mandatory DO is `6987`, any other defect (MAC, order,
 * unknown DO, padding, cryptogram length) is `6988` (ISO/IEC 7816-4 §5.6 Table 6; ICAO 9303-11 §9.8).
 */
import { HostError } from '../host-error.ts';
import { concatBytes, equalBytes } from '../bytes/bytes.ts';
import { parseTlvs, tlv, type Tlv, TlvFormatError } from '../bytes/ber-tlv.ts';
import { padIso9797M2, PaddingError, unpadIso9797M2 } from '../bytes/padding.ts';
import { decodeCla } from '../apdu/cla.ts';
import { commandApdu, type CommandApdu } from '../apdu/command-apdu.ts';
import type { ResponseApdu } from '../apdu/response-apdu.ts';
import {
  statusWordOf,
  SW_6987_SM_DATA_OBJECTS_MISSING,
  SW_6988_SM_DATA_OBJECTS_INCORRECT,
  type StatusWord,
} from '../apdu/status-words.ts';
import { advanceSsc, encodeSsc, type SmSession } from './sm-session.ts';

export const DO_85_CRYPTOGRAM_ODD = 0x85;
export const DO_87_CRYPTOGRAM = 0x87;
export const DO_8E_MAC = 0x8e;
export const DO_97_LE = 0x97;
export const DO_99_STATUS = 0x99;

const MAC_LENGTH = 8;
const PADDING_INDICATOR = 0x01;

export class SmError extends HostError {
  readonly code = 'SM_ERROR';
  readonly sw: StatusWord;
  constructor(kind: 'missing' | 'incorrect', message: string) {
    super(message);
    this.sw =
      kind === 'missing' ? SW_6987_SM_DATA_OBJECTS_MISSING : SW_6988_SM_DATA_OBJECTS_INCORRECT;
  }
}

const missing = (m: string): SmError => new SmError('missing', m);
const incorrect = (m: string): SmError => new SmError('incorrect', m);

function isOdd(ins: number): boolean {
  return (ins & 1) === 1;
}

function macOver(session: SmSession, ...parts: Uint8Array[]): Uint8Array {
  const bs = session.suite.blockSize;
  return session.suite.mac(
    session.kMac,
    padIso9797M2(concatBytes(encodeSsc(session), ...parts), bs),
  );
}

function encryptDo(session: SmSession, ins: number, data: Uint8Array): Uint8Array {
  const c = session.suite.encrypt(
    session.kEnc,
    encodeSsc(session),
    padIso9797M2(data, session.suite.blockSize),
  );
  return isOdd(ins)
    ? tlv(DO_85_CRYPTOGRAM_ODD, c)
    : tlv(DO_87_CRYPTOGRAM, Uint8Array.of(PADDING_INDICATOR), c);
}

function decryptDo(session: SmSession, ins: number, obj: Tlv): Uint8Array {
  const expected = isOdd(ins) ? DO_85_CRYPTOGRAM_ODD : DO_87_CRYPTOGRAM;
  if (obj.tag !== expected)
    throw incorrect(`DO ${obj.tag.toString(16)} used with INS ${ins.toString(16)}`);
  let c = obj.value;
  if (obj.tag === DO_87_CRYPTOGRAM) {
    if (c[0] !== PADDING_INDICATOR) throw incorrect('DO 87 padding-content indicator is not 01');
    c = c.subarray(1);
  }
  const bs = session.suite.blockSize;
  if (c.length === 0 || c.length % bs !== 0)
    throw incorrect(`cryptogram of ${c.length} bytes is not whole blocks`);
  try {
    return unpadIso9797M2(session.suite.decrypt(session.kEnc, encodeSsc(session), c), bs);
  } catch (e) {
    if (e instanceof PaddingError) throw incorrect(`bad padding after decryption: ${e.message}`);
    throw e;
  }
}

function parseDos(data: Uint8Array): Tlv[] {
  try {
    return parseTlvs(data);
  } catch (e) {
    if (e instanceof TlvFormatError) throw incorrect(`SM data objects malformed: ${e.message}`);
    throw e;
  }
}

function encodeLeDo(ne: number, extended: boolean): Uint8Array {
  if (!extended) return tlv(DO_97_LE, Uint8Array.of(ne >= 256 ? 0 : ne));
  const le = ne >= 65536 ? 0 : ne;
  return tlv(DO_97_LE, Uint8Array.of(le >> 8, le & 0xff));
}

function decodeLeDo(obj: Tlv): number {
  const v = obj.value;
  if (v.length === 1) return v[0] === 0 ? 256 : (v[0] as number);
  if (v.length === 2) {
    const le = ((v[0] as number) << 8) | (v[1] as number);
    return le === 0 ? 65536 : le;
  }
  throw incorrect(`DO 97 of ${v.length} bytes`);
}

// ---------------------------------------------------------------------------------------------
// Card side

export interface UnwrappedCommand {
  readonly session: SmSession;
  readonly apdu: CommandApdu;
}

/**
 * Verifies and decrypts a protected command. The counter is advanced before the MAC is checked,
 * so a failed command still consumes its counter value (ICAO 9303-11 §9.8.2).
 */
export function unwrapCommand(session: SmSession, apdu: CommandApdu): UnwrappedCommand {
  const dos = parseDos(apdu.data);
  let i = 0;
  let cryptogram: Tlv | undefined;
  let leDo: Tlv | undefined;
  const first = dos[i];
  if (first && (first.tag === DO_87_CRYPTOGRAM || first.tag === DO_85_CRYPTOGRAM_ODD)) {
    cryptogram = first;
    i++;
  }
  const second = dos[i];
  if (second && second.tag === DO_97_LE) {
    leDo = second;
    i++;
  }
  const macDo = dos[i];
  if (macDo === undefined) throw missing('DO 8E (cryptographic checksum) missing');
  if (macDo.tag !== DO_8E_MAC)
    throw incorrect(`unexpected DO ${macDo.tag.toString(16)} in protected command`);
  if (i + 1 !== dos.length) throw incorrect('data objects after DO 8E');
  if (macDo.value.length !== MAC_LENGTH) throw incorrect(`DO 8E of ${macDo.value.length} bytes`);

  const next = advanceSsc(session);
  const authHeader = decodeCla(apdu.cla).sm === 'header-authenticated';
  const header = authHeader
    ? padIso9797M2(Uint8Array.of(apdu.cla, apdu.ins, apdu.p1, apdu.p2), next.suite.blockSize)
    : new Uint8Array(0);
  const mac = macOver(
    next,
    header,
    cryptogram?.raw ?? new Uint8Array(0),
    leDo?.raw ?? new Uint8Array(0),
  );
  if (!equalBytes(mac, macDo.value)) throw incorrect('MAC mismatch');

  const data = cryptogram ? decryptDo(next, apdu.ins, cryptogram) : new Uint8Array(0);
  const ne = leDo ? decodeLeDo(leDo) : 0;
  const plain = commandApdu({
    cla: apdu.cla & ~0x0c,
    ins: apdu.ins,
    p1: apdu.p1,
    p2: apdu.p2,
    data,
    ne,
  });
  return { session: next, apdu: plain };
}

export interface WrappedResponse {
  readonly session: SmSession;
  /** The protected response body (DOs), without the outer status word. */
  readonly body: Uint8Array;
}

/** Protects a response: optional cryptogram, DO 99 with the real status, DO 8E. */
export function wrapResponse(
  session: SmSession,
  ins: number,
  response: ResponseApdu,
): WrappedResponse {
  const next = advanceSsc(session);
  const enc = response.data.length > 0 ? encryptDo(next, ins, response.data) : new Uint8Array(0);
  const status = tlv(DO_99_STATUS, Uint8Array.of(response.sw >> 8, response.sw & 0xff));
  const mac = macOver(next, enc, status);
  return { session: next, body: concatBytes(enc, status, tlv(DO_8E_MAC, mac)) };
}

// ---------------------------------------------------------------------------------------------
// Terminal side

export interface WrapCommandOptions {
  /**
   * Emit DO 97 even when the plain command has no Le, with the given value (the desktop
   * middleware quirk of ias/README.md §4.2 item 8 sends `97 01 00`).
   */
  readonly leWhenAbsent?: number;
}

export interface WrappedCommand {
  readonly session: SmSession;
  readonly apdu: CommandApdu;
}

export function wrapCommand(
  session: SmSession,
  plain: CommandApdu,
  options: WrapCommandOptions = {},
): WrappedCommand {
  const next = advanceSsc(session);
  const cla = plain.cla | 0x0c;
  const extended = plain.form === 'extended';
  const header = padIso9797M2(
    Uint8Array.of(cla, plain.ins, plain.p1, plain.p2),
    next.suite.blockSize,
  );
  const enc = plain.data.length > 0 ? encryptDo(next, plain.ins, plain.data) : new Uint8Array(0);
  let le: Uint8Array = new Uint8Array(0);
  if (plain.ne > 0) le = encodeLeDo(plain.ne, extended);
  else if (options.leWhenAbsent !== undefined)
    le = tlv(DO_97_LE, Uint8Array.of(options.leWhenAbsent));
  const mac = macOver(next, header, enc, le);
  const body = concatBytes(enc, le, tlv(DO_8E_MAC, mac));
  // Le' is 00 (or 0000 in the extended form, needed when the body exceeds 255 bytes).
  const ne = body.length > 255 || extended ? 65536 : 256;
  return {
    session: next,
    apdu: commandApdu({ cla, ins: plain.ins, p1: plain.p1, p2: plain.p2, data: body, ne }),
  };
}

export interface UnwrappedResponse {
  readonly session: SmSession;
  readonly response: ResponseApdu;
}

/** Verifies and decrypts a protected response body; the returned SW is the one inside DO 99. */
export function unwrapResponse(
  session: SmSession,
  ins: number,
  body: Uint8Array,
): UnwrappedResponse {
  const dos = parseDos(body);
  let i = 0;
  let cryptogram: Tlv | undefined;
  const first = dos[i];
  if (first && (first.tag === DO_87_CRYPTOGRAM || first.tag === DO_85_CRYPTOGRAM_ODD)) {
    cryptogram = first;
    i++;
  }
  const status = dos[i];
  if (status === undefined || status.tag !== DO_99_STATUS)
    throw missing('DO 99 (processing status) missing');
  i++;
  const macDo = dos[i];
  if (macDo === undefined || macDo.tag !== DO_8E_MAC) throw missing('DO 8E missing in response');
  if (i + 1 !== dos.length) throw incorrect('data objects after DO 8E in response');
  if (status.value.length !== 2) throw incorrect(`DO 99 of ${status.value.length} bytes`);
  const next = advanceSsc(session);
  const mac = macOver(next, cryptogram?.raw ?? new Uint8Array(0), status.raw);
  if (!equalBytes(mac, macDo.value)) throw incorrect('response MAC mismatch');
  const data = cryptogram ? decryptDo(next, ins, cryptogram) : new Uint8Array(0);
  const sw = statusWordOf(((status.value[0] as number) << 8) | (status.value[1] as number));
  return { session: next, response: { data, sw } };
}
