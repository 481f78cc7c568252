/**
 * The trace format: versioned JSON Lines, one record per line, validated with zod.
 *
 * ```
 * {"type":"header","format":"ciebench-trace","version":1,"profile":"…","transport":"in-process",…}
 * {"type":"event","seq":1,"t":0,"kind":"power-on","atr":"3B8F…"}
 * {"type":"exchange","seq":2,"tStart":12,"tEnd":40,"command":"00A4…","response":"9000",…}
 * ```
 * Times are monotonic microseconds from the start of the trace. Byte strings are upper-case hex.
 * `command`/`response` are the bytes on the wire; `plainCommand`/`plainResponse` the unprotected
 * forms of a secure-messaging exchange when the keys were known to the recorder. Secret bytes
 * (PIN, PUK) are replaced by `2A` ('*') and listed in `masked` unless the trace says
 * `"secrets":"revealed"`.
 */
import { z } from 'zod';

export const TRACE_FORMAT = 'ciebench-trace';
export const TRACE_VERSION = 1;

const hex = z.string().regex(/^([0-9A-F]{2})*$/, 'upper-case hex without separators');
const micros = z.number().int().nonnegative();

export const transportSchema = z.enum(['in-process', 'vpcd', 'ws-nfc', 'pcsc', 'import']);
export type TraceTransport = z.infer<typeof transportSchema>;

export const traceHeaderSchema = z
  .object({
    type: z.literal('header'),
    format: z.literal(TRACE_FORMAT),
    version: z.literal(TRACE_VERSION),
    /** Card profile (personality) id, or `unknown` for a physical card or an import. */
    profile: z.string().min(1),
    transport: transportSchema,
    /** `ciebench 0.1.0`. */
    tool: z.string().min(1),
    /** Wall-clock start, ISO 8601. */
    startedAt: z.iso.datetime({ offset: true }),
    /** Which side recorded: the emulator at the card boundary, or a host-side client. */
    recordedBy: z.enum(['card', 'terminal', 'import']),
    secrets: z.enum(['masked', 'revealed']),
    atr: hex.optional(),
    /** For imports: source format and file name. */
    source: z.object({ format: z.string(), file: z.string().optional() }).strict().optional(),
    description: z.string().optional(),
  })
  .strict();

export const maskedRangeSchema = z
  .object({
    field: z.enum(['command', 'plainCommand']),
    offset: z.number().int().nonnegative(),
    length: z.number().int().positive(),
    reason: z.string(),
  })
  .strict();

export const traceExchangeSchema = z
  .object({
    type: z.literal('exchange'),
    seq: z.number().int().positive(),
    tStart: micros,
    tEnd: micros,
    command: hex,
    /** Empty only when `incomplete`. */
    response: hex,
    plainCommand: hex.optional(),
    plainResponse: hex.optional(),
    masked: z.array(maskedRangeSchema).optional(),
    notes: z.array(z.string()).optional(),
    /** The exchange was cut short (truncated log, card removed). */
    incomplete: z.literal(true).optional(),
    /**
     * The source logged the status word only (`response` is SW1 SW2; the data, if any, was not
     * printed, as in the PN532 sketch log): a diff compares the status word alone.
     */
    responseDataUnknown: z.literal(true).optional(),
  })
  .strict()
  .refine((r) => r.tEnd >= r.tStart, { message: 'tEnd before tStart' })
  .refine((r) => r.incomplete === true || r.response.length >= 4, {
    message: 'a complete exchange needs a response with a status word',
  });

export const traceEventSchema = z
  .object({
    type: z.literal('event'),
    seq: z.number().int().positive(),
    t: micros,
    kind: z.enum(['power-on', 'power-off', 'reset', 'note']),
    atr: hex.optional(),
    text: z.string().optional(),
  })
  .strict();

export const traceRecordSchema = z.union([traceExchangeSchema, traceEventSchema]);

export type TraceHeader = z.infer<typeof traceHeaderSchema>;
export type TraceExchange = z.infer<typeof traceExchangeSchema>;
export type TraceEvent = z.infer<typeof traceEventSchema>;
export type TraceRecord = z.infer<typeof traceRecordSchema>;
export type MaskedRange = z.infer<typeof maskedRangeSchema>;

export interface Trace {
  readonly header: TraceHeader;
  readonly records: readonly TraceRecord[];
}
