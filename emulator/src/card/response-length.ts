/**
 * Response-length rules, in two stages (ISO/IEC 7816-4:2020 §5.1, §5.3.4 and §7.6.1):
 *
 * 1. {@link applyNe} — the command's own Ne against the plain response: too much data for an
 *    explicit Le gives `6Cxx`, `61xx` or truncation (per personality). A short Le of `00` means
 *    "as much as you have" here; stage 2 decides what fits on the wire.
 * 2. {@link splitForTransport} — after secure messaging: data beyond what one response may carry
 *    (the personality's maximum, or 256 for a short command on a `61xx` personality, or every
 *    case-4 response on a T=0-style personality) goes out by `61xx` + GET RESPONSE.
 */
import type { CommandApdu } from '../apdu/command-apdu.ts';
import type { ResponseApdu } from '../apdu/response-apdu.ts';
import { sw61, sw6C, type StatusWord } from '../apdu/status-words.ts';
import type { CardOptions } from './card-options.ts';

const EMPTY = new Uint8Array(0);

/** Data waiting for GET RESPONSE, and the status word the last chunk will carry. */
export interface PendingResponse {
  readonly data: Uint8Array;
  readonly finalSw: StatusWord;
}

export interface Shaped {
  readonly response: ResponseApdu;
  readonly pending?: PendingResponse;
}

/** Stage 1. `protectedCommand`: the response will be SM-wrapped, so it cannot be split in plain. */
export function applyNe(
  r: ResponseApdu,
  apdu: CommandApdu,
  options: CardOptions,
  protectedCommand: boolean,
): Shaped {
  const d = r.data;
  if (d.length === 0) return { response: r };
  if (apdu.ne === 0)
    return { response: options.dataWithoutLe === 'send' ? r : { data: EMPTY, sw: r.sw } };
  const shortMax = apdu.form === 'short' && apdu.ne === 256;
  if (d.length <= apdu.ne || shortMax) return { response: r };
  const mode = options.neTooSmall;
  if (mode === '6Cxx' && d.length <= 256) return { response: { data: EMPTY, sw: sw6C(d.length) } };
  if (mode === 'truncate' || protectedCommand)
    return { response: { data: d.subarray(0, apdu.ne), sw: r.sw } };
  const rest = d.subarray(apdu.ne);
  return {
    response: { data: d.subarray(0, apdu.ne), sw: sw61(rest.length) },
    pending: { data: rest, finalSw: r.sw },
  };
}

/** Stage 2, on the wire command and wire response. */
export function splitForTransport(
  r: ResponseApdu,
  wireCommand: CommandApdu,
  options: CardOptions,
): Shaped {
  const d = r.data;
  if (d.length === 0) return { response: r };
  if (options.t0Case4 && wireCommand.case === 4) {
    return { response: { data: EMPTY, sw: sw61(d.length) }, pending: { data: d, finalSw: r.sw } };
  }
  let cap = options.maxResponseData;
  if (wireCommand.ne > 0 && (wireCommand.form === 'extended' || options.longResponses === '61xx')) {
    cap = Math.min(cap, wireCommand.ne);
  }
  if (d.length <= cap) return { response: r };
  const rest = d.subarray(cap);
  return {
    response: { data: d.subarray(0, cap), sw: sw61(rest.length) },
    pending: { data: rest, finalSw: r.sw },
  };
}

/** GET RESPONSE against pending data: the next min(Ne, remaining) bytes. */
export function takePending(p: PendingResponse, ne: number, options: CardOptions): Shaped {
  const n = Math.min(ne === 0 ? 256 : ne, p.data.length, options.maxResponseData);
  const chunk = p.data.subarray(0, n);
  const rest = p.data.subarray(n);
  if (rest.length === 0) return { response: { data: chunk, sw: p.finalSw } };
  return {
    response: { data: chunk, sw: sw61(rest.length) },
    pending: { data: rest, finalSw: p.finalSw },
  };
}
