/**
 * The bridge's requests and answers (BRIDGE-PROTOCOL.md §2–§3): a request is the protocol
 * version, an operation and its fields; an answer is the CK_RV and, for CKR_OK (and
 * CKR_BUFFER_TOO_SMALL on the signing operations), the operation's fields. Decoding is strict:
 * unknown version or operation, a field past the end, a list or string over its bound, or a
 * trailing byte is a {@link WireError} and the connection is closed.
 */
import { WireError, WireReader, WireWriter } from '../wire.ts';

export const BRIDGE_PROTOCOL_VERSION = 1;

/** Bounds, the same as the module's (src/module.h). */
export const LIMITS = {
  list: 1024,
  template: 256,
  attrValue: 65536,
  data: 65536,
  pin: 64,
  mechParam: 1024,
} as const;

/** An id from the wire (CK_ULONG); -1 when it cannot be one the daemon issued. */
export type WireId = number;

function id(b: bigint): WireId {
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : -1;
}

export interface TemplateAttribute {
  readonly type: bigint;
  readonly value: Uint8Array;
}

export type BridgeRequest =
  | {
      readonly op: 'hello';
      readonly version: number;
      readonly pid: number;
      readonly ulongSize: number;
      readonly littleEndian: boolean;
    }
  | { readonly op: 'slotList'; readonly tokenPresent: boolean }
  | { readonly op: 'slotInfo'; readonly slot: WireId }
  | { readonly op: 'tokenInfo'; readonly slot: WireId }
  | { readonly op: 'mechList'; readonly slot: WireId }
  | { readonly op: 'closeAll'; readonly slot: WireId }
  | { readonly op: 'mechInfo'; readonly slot: WireId; readonly mechanism: bigint }
  | { readonly op: 'openSession'; readonly slot: WireId; readonly flags: bigint }
  | { readonly op: 'closeSession'; readonly session: WireId }
  | { readonly op: 'sessionInfo'; readonly session: WireId }
  | { readonly op: 'logout'; readonly session: WireId }
  | { readonly op: 'findFinal'; readonly session: WireId }
  | { readonly op: 'signAbort'; readonly session: WireId }
  | {
      readonly op: 'login';
      readonly session: WireId;
      readonly userType: bigint;
      /** `absent`: protected authentication path; `too-long`: over the module's bound. */
      readonly pin:
        | { readonly kind: 'given'; readonly digits: Uint8Array }
        | { readonly kind: 'absent' }
        | { readonly kind: 'too-long' };
    }
  | {
      readonly op: 'findInit';
      readonly session: WireId;
      readonly template: readonly TemplateAttribute[];
    }
  | { readonly op: 'find'; readonly session: WireId; readonly max: number }
  | {
      readonly op: 'getAttributes';
      readonly session: WireId;
      readonly object: WireId;
      readonly types: readonly bigint[];
    }
  | {
      readonly op: 'signInit';
      readonly session: WireId;
      readonly mechanism: bigint;
      readonly parameter: Uint8Array | undefined;
      readonly key: WireId;
    }
  | {
      readonly op: 'sign';
      readonly session: WireId;
      readonly data: Uint8Array;
      /** undefined: length query (no output buffer). */
      readonly bufferLength: bigint | undefined;
    }
  | { readonly op: 'signUpdate'; readonly session: WireId; readonly part: Uint8Array }
  | {
      readonly op: 'signFinal';
      readonly session: WireId;
      readonly bufferLength: bigint | undefined;
    };

function bool(r: WireReader): boolean {
  const v = r.u8();
  if (v > 1) throw new WireError(`boolean field ${v}`);
  return v === 1;
}

function output(r: WireReader): bigint | undefined {
  const want = bool(r);
  const len = r.u64();
  return want ? len : undefined;
}

/** Decodes one request payload. */
export function decodeRequest(payload: Uint8Array): BridgeRequest {
  const r = new WireReader(payload);
  const version = r.u8();
  if (version !== BRIDGE_PROTOCOL_VERSION) throw new WireError(`protocol version ${version}`);
  const op = r.u8();
  const req = decodeOp(op, r);
  r.end();
  return req;
}

function decodeOp(op: number, r: WireReader): BridgeRequest {
  switch (op) {
    case 1: {
      const v = r.u32();
      const pid = r.u32();
      const ulongSize = r.u8();
      if (ulongSize !== 4 && ulongSize !== 8) throw new WireError(`CK_ULONG of ${ulongSize} bytes`);
      return { op: 'hello', version: v, pid, ulongSize, littleEndian: bool(r) };
    }
    case 2:
      return { op: 'slotList', tokenPresent: bool(r) };
    case 3:
      return { op: 'slotInfo', slot: id(r.u64()) };
    case 4:
      return { op: 'tokenInfo', slot: id(r.u64()) };
    case 5:
      return { op: 'mechList', slot: id(r.u64()) };
    case 6:
      return { op: 'mechInfo', slot: id(r.u64()), mechanism: r.u64() };
    case 7:
      return { op: 'openSession', slot: id(r.u64()), flags: r.u64() };
    case 8:
      return { op: 'closeSession', session: id(r.u64()) };
    case 9:
      return { op: 'closeAll', slot: id(r.u64()) };
    case 10:
      return { op: 'sessionInfo', session: id(r.u64()) };
    case 11: {
      const session = id(r.u64());
      const userType = r.u64();
      const kind = r.u8();
      const digits = r.bytes(LIMITS.pin);
      if (kind > 2 || (kind !== 1 && digits.length > 0)) throw new WireError(`PIN kind ${kind}`);
      const pin =
        kind === 1
          ? ({ kind: 'given', digits } as const)
          : kind === 0
            ? ({ kind: 'absent' } as const)
            : ({ kind: 'too-long' } as const);
      return { op: 'login', session, userType, pin };
    }
    case 12:
      return { op: 'logout', session: id(r.u64()) };
    case 13: {
      const session = id(r.u64());
      const n = r.count(LIMITS.template);
      const template: TemplateAttribute[] = [];
      for (let i = 0; i < n; i++)
        template.push({ type: r.u64(), value: r.bytes(LIMITS.attrValue) });
      return { op: 'findInit', session, template };
    }
    case 14: {
      const session = id(r.u64());
      const max = r.u64();
      if (max > BigInt(LIMITS.list)) throw new WireError(`FIND of ${max} objects`);
      return { op: 'find', session, max: Number(max) };
    }
    case 15:
      return { op: 'findFinal', session: id(r.u64()) };
    case 16: {
      const session = id(r.u64());
      const object = id(r.u64());
      const n = r.count(LIMITS.template);
      const types: bigint[] = [];
      for (let i = 0; i < n; i++) types.push(r.u64());
      return { op: 'getAttributes', session, object, types };
    }
    case 17: {
      const session = id(r.u64());
      const mechanism = r.u64();
      const has = bool(r);
      const param = r.bytes(LIMITS.mechParam);
      if (!has && param.length > 0) throw new WireError('mechanism parameter without pointer');
      return {
        op: 'signInit',
        session,
        mechanism,
        parameter: has ? param : undefined,
        key: id(r.u64()),
      };
    }
    case 18: {
      const session = id(r.u64());
      const data = r.bytes(LIMITS.data);
      return { op: 'sign', session, data, bufferLength: output(r) };
    }
    case 19:
      return { op: 'signUpdate', session: id(r.u64()), part: r.bytes(LIMITS.data) };
    case 20: {
      const session = id(r.u64());
      return { op: 'signFinal', session, bufferLength: output(r) };
    }
    case 21:
      return { op: 'signAbort', session: id(r.u64()) };
    default:
      throw new WireError(`unknown operation ${op}`);
  }
}

/** An answer: the return value and the writer of the fields that follow it. */
export interface BridgeAnswer {
  readonly rv: number;
  readonly body?: (w: WireWriter) => void;
}

export function encodeAnswer(a: BridgeAnswer): Uint8Array {
  const w = new WireWriter().u32(a.rv);
  a.body?.(w);
  return w.payload();
}

/** ASCII text for a fixed-size PKCS#11 field (the module pads it with blanks). */
export function fieldText(w: WireWriter, text: string, size: number): void {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?').slice(0, size);
  w.bytes(new Uint8Array(Buffer.from(ascii, 'latin1')));
}
