/**
 * The `ciebench-nfc/1` WebSocket protocol (PROTOCOL.md is the normative text): JSON text messages
 * for control, binary messages for APDUs. Every message a client sends is validated with zod here;
 * the server's messages are typed by the same module so the TypeScript client cannot drift.
 */
import { z } from 'zod';
import { FaultSchema } from './faults.ts';
import { IsoDepConfigSchema } from './iso-dep-config.ts';

export const NFC_PROTOCOL = 'ciebench-nfc/1';

/** Largest binary message accepted: the largest extended command APDU (4 + 3 + 65 535 + 3 bytes). */
export const NFC_MAX_BINARY = 65_545;

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('configure'), isoDep: IsoDepConfigSchema }).strict(),
  z.object({ type: z.literal('faults'), faults: z.array(FaultSchema).max(1000) }).strict(),
  z.object({ type: z.literal('field'), on: z.boolean() }).strict(),
]);

export type ClientMessage = z.input<typeof ClientMessageSchema>;

export type NfcErrorCode =
  | 'NFC_BAD_MESSAGE'
  | 'NFC_BAD_STATE'
  | 'NFC_FIELD_OFF'
  | 'NFC_TAG_LOST'
  | 'NFC_EMPTY_COMMAND'
  | 'NFC_TRANSCEIVE_TOO_LONG'
  | 'NFC_BUSY';

export interface ActivationInfo {
  readonly uid: string;
  readonly atqa: string;
  readonly sak: number;
  readonly ats: string;
  readonly historicalBytes: string;
  readonly fsc: number;
  readonly fsd: number;
  readonly fwtMs: number;
  readonly maxTransceiveLength: number;
  readonly extendedLengthSupported: boolean;
  /** The ATR a PC/SC reader reports for this card (not part of ISO-DEP). */
  readonly atr: string;
}

export type ServerMessage =
  | { readonly type: 'hello'; readonly protocol: typeof NFC_PROTOCOL; readonly card: string }
  | { readonly type: 'configured' }
  | { readonly type: 'faults-set'; readonly count: number }
  | ({ readonly type: 'activated' } & ActivationInfo)
  | { readonly type: 'field-off' }
  | { readonly type: 'wtx'; readonly seq: number; readonly count: number }
  | { readonly type: 'tag-lost'; readonly reason: string; readonly seq?: number }
  | {
      readonly type: 'error';
      readonly code: NfcErrorCode;
      readonly message: string;
      readonly seq?: number;
    };

const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), protocol: z.literal(NFC_PROTOCOL), card: z.string() }),
  z.object({ type: z.literal('configured') }),
  z.object({ type: z.literal('faults-set'), count: z.number() }),
  z.object({
    type: z.literal('activated'),
    uid: z.string(),
    atqa: z.string(),
    sak: z.number(),
    ats: z.string(),
    historicalBytes: z.string(),
    fsc: z.number(),
    fsd: z.number(),
    fwtMs: z.number(),
    maxTransceiveLength: z.number(),
    extendedLengthSupported: z.boolean(),
    atr: z.string(),
  }),
  z.object({ type: z.literal('field-off') }),
  z.object({ type: z.literal('wtx'), seq: z.number(), count: z.number() }),
  z.object({ type: z.literal('tag-lost'), reason: z.string(), seq: z.number().optional() }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    seq: z.number().optional(),
  }),
]);

/** Parses a control message; the error text lists what zod rejected. */
export function parseClientMessage(
  text: string,
): { ok: true; message: z.output<typeof ClientMessageSchema> } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const parsed = ClientMessageSchema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues
        .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
        .join('; '),
    };
  return { ok: true, message: parsed.data };
}

const KNOWN_TYPES = new Set([
  'hello',
  'configured',
  'faults-set',
  'activated',
  'field-off',
  'wtx',
  'tag-lost',
  'error',
]);

/**
 * Client side: validates what the server sent. Unknown message types are ignored (`undefined`),
 * as PROTOCOL.md §7 asks of adapters; a known type with a wrong shape fails loudly.
 */
export function parseServerMessage(text: string): ServerMessage | undefined {
  const json: unknown = JSON.parse(text);
  const type =
    typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && !KNOWN_TYPES.has(type)) return undefined;
  return ServerMessageSchema.parse(json) as ServerMessage;
}
