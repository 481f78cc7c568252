/**
 * Annotation of a whole trace: every exchange decoded (command name, P1/P2 meaning, file names,
 * SW meaning, BER-TLV trees of the data, SM data objects) and, for protected exchanges, the plain
 * form: the one the recorder stored, or the one decrypted with the session keys given.
 * The result is plain JSON (`ciebench trace show --json`); `render-text.ts` prints it.
 */
import { decodeCla } from '../../emulator/src/apdu/cla.ts';
import type { CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { describeSw, swFromResponse, swHex } from '../../emulator/src/apdu/status-words.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Trace, TraceExchange, TraceRecord } from '../format/schema.ts';
import { describeCommandApdu, updateState, type CommandMeaning } from './commands.ts';
import { SmDecryptor, tryParseCommand, type SmKeys } from './sm-keys.ts';
import { initialState, type AnnotationState, type FileRef } from './state.ts';
import { tlvTree, type TlvNode } from './tlv-render.ts';

export interface AnnotatedCommand {
  readonly hex: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly summary: string;
  readonly cla?: string;
  readonly lc?: number;
  readonly ne?: number;
  readonly form?: 'short' | 'extended';
  readonly data?: string;
  readonly file?: FileRef;
  readonly tlv?: readonly TlvNode[];
  readonly malformed?: string;
}

export interface AnnotatedResponse {
  readonly hex: string;
  readonly data: string;
  readonly sw: string;
  readonly swName: string;
  readonly swText: string;
  readonly summary: string;
  readonly tlv?: readonly TlvNode[];
}

export interface AnnotatedSm {
  /** Where the plain form comes from. */
  readonly source: 'recorded' | 'decrypted' | 'unavailable' | 'decryption-failed';
  readonly commandDos?: readonly TlvNode[];
  readonly responseDos?: readonly TlvNode[];
  readonly ssc?: string;
  readonly error?: string;
  readonly plainCommand?: AnnotatedCommand;
  readonly plainResponse?: AnnotatedResponse;
}

export interface AnnotatedExchange {
  readonly seq: number;
  readonly tStart: number;
  readonly durationUs: number;
  readonly command: AnnotatedCommand;
  readonly response?: AnnotatedResponse;
  readonly sm?: AnnotatedSm;
  readonly incomplete?: true;
  /** The source logged the status word only (PN532 sketch log). */
  readonly responseDataUnknown?: true;
  readonly masked?: readonly string[];
  readonly notes?: readonly string[];
  /** Application current when the command was sent (mf, ias, cie, emrtd, …). */
  readonly app: string;
}

export interface AnnotatedEvent {
  readonly seq: number;
  readonly t: number;
  readonly kind: string;
  readonly text: string;
}

export interface AnnotatedTrace {
  readonly header: Trace['header'];
  readonly items: ReadonlyArray<
    { readonly exchange: AnnotatedExchange } | { readonly event: AnnotatedEvent }
  >;
}

export interface AnnotateOptions {
  readonly smKeys?: readonly SmKeys[];
}

const SM_CONTEXT = { command: 'sm-command', response: 'sm-response' } as const;

function annotateCommand(
  bytes: Uint8Array,
  st: AnnotationState,
): { ann: AnnotatedCommand; apdu?: CommandApdu } {
  const hex = toHex(bytes);
  const apdu = tryParseCommand(bytes);
  if (apdu === undefined) return { ann: annotateMalformed(bytes, st) };
  const cla = decodeCla(apdu.cla);
  const sm = cla.sm !== 'none';
  // A protected command's data field holds SM data objects, not the command's own data.
  const meaning: CommandMeaning = sm
    ? {
        name: describeCommandApdu({ ...apdu, data: new Uint8Array(0), ne: 0 }, st).name,
        params: ['protected (plain form below)'],
      }
    : describeCommandApdu(apdu, st);
  const tlv =
    apdu.data.length === 0
      ? undefined
      : sm
        ? tlvTree(apdu.data, SM_CONTEXT.command)
        : meaning.dataContext
          ? tlvTree(apdu.data, meaning.dataContext)
          : undefined;
  const flags = [
    sm ? 'SM' : '',
    cla.chaining ? 'chained' : '',
    apdu.form === 'extended' ? 'extended' : '',
    cla.channel ? `channel ${cla.channel}` : '',
  ].filter(Boolean);
  const params = meaning.params.filter((p) => p !== '');
  const ann: AnnotatedCommand = {
    hex,
    name: meaning.name,
    params,
    summary: `${meaning.name}${params.length ? ` — ${params.join(', ')}` : ''}${flags.length ? ` [${flags.join(', ')}]` : ''}`,
    cla: `${toHex(Uint8Array.of(apdu.cla))} ${cla.kind}${flags.length ? ` (${flags.join(', ')})` : ''}`,
    ...(apdu.data.length ? { lc: apdu.data.length, data: toHex(apdu.data) } : {}),
    ...(apdu.ne ? { ne: apdu.ne } : {}),
    form: apdu.form,
    ...(meaning.file ? { file: meaning.file } : {}),
    ...(tlv ? { tlv } : {}),
  };
  return { ann, apdu };
}

/**
 * A command whose length fields disagree with its size (typically cut short by the log): the
 * header is still decoded, with the data bytes that are present.
 */
function annotateMalformed(bytes: Uint8Array, st: AnnotationState): AnnotatedCommand {
  const hex = toHex(bytes);
  if (bytes.length < 4)
    return {
      hex,
      name: 'malformed',
      params: [],
      summary: `not an APDU (${bytes.length} bytes)`,
      malformed: 'shorter than a header',
    };
  const ext = bytes.length > 7 && bytes[4] === 0;
  const lc = ext ? ((bytes[5] as number) << 8) | (bytes[6] as number) : (bytes[4] ?? 0);
  const data = bytes.subarray(ext ? 7 : 5);
  const header: CommandApdu = {
    cla: bytes[0] as number,
    ins: bytes[1] as number,
    p1: bytes[2] as number,
    p2: bytes[3] as number,
    data: new Uint8Array(0),
    ne: 0,
    form: ext ? 'extended' : 'short',
    case: 1,
  };
  const meaning = describeCommandApdu(header, st);
  const why = `Lc ${lc}, ${data.length} data bytes present`;
  return {
    hex,
    name: meaning.name,
    params: [why],
    summary: `${meaning.name} — malformed or cut short (${why})`,
    malformed: why,
    data: toHex(data),
  };
}

function annotateResponse(
  bytes: Uint8Array,
  apdu: CommandApdu | undefined,
  st: AnnotationState,
  smWire: boolean,
): AnnotatedResponse | undefined {
  if (bytes.length < 2) return undefined;
  const data = bytes.subarray(0, bytes.length - 2);
  const sw = swFromResponse(bytes);
  const info = describeSw(sw);
  const ctx = smWire
    ? SM_CONTEXT.response
    : apdu
      ? describeCommandApdu(apdu, st).responseContext
      : undefined;
  const tlv = ctx && data.length ? tlvTree(data, ctx) : undefined;
  return {
    hex: toHex(bytes),
    data: toHex(data),
    sw: swHex(sw),
    swName: info.name,
    swText: info.text,
    summary: `${swHex(sw)} ${info.text}${data.length ? ` (${data.length} data bytes)` : ''}`,
    ...(tlv ? { tlv } : {}),
  };
}

function succeeded(response: Uint8Array): boolean {
  const sw1 = response[response.length - 2];
  return response.length >= 2 && (sw1 === 0x90 || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63);
}

function annotateExchange(
  x: TraceExchange,
  st: AnnotationState,
  dec: SmDecryptor,
): AnnotatedExchange {
  const app = st.app;
  const wireCmd = fromHex(x.command);
  const wireRsp = fromHex(x.response);
  const { ann, apdu } = annotateCommand(wireCmd, st);
  const isSm = apdu !== undefined && decodeCla(apdu.cla).sm !== 'none';
  let sm: AnnotatedSm | undefined;
  const response = annotateResponse(wireRsp, apdu, st, isSm);
  if (isSm && apdu) sm = annotateSm(x, apdu, wireRsp, st, dec);
  else {
    if (apdu) dec.plain(x.seq, apdu);
    if (apdu && succeeded(wireRsp)) updateState(apdu, wireRsp.subarray(0, wireRsp.length - 2), st);
  }
  return {
    seq: x.seq,
    tStart: x.tStart,
    durationUs: x.tEnd - x.tStart,
    command: ann,
    ...(response ? { response } : {}),
    ...(sm ? { sm } : {}),
    ...(x.incomplete ? { incomplete: true as const } : {}),
    ...(x.responseDataUnknown ? { responseDataUnknown: true as const } : {}),
    ...(x.masked
      ? {
          masked: x.masked.map(
            (m) => `${m.field}[${m.offset}..${m.offset + m.length - 1}]: ${m.reason}`,
          ),
        }
      : {}),
    ...(x.notes ? { notes: x.notes } : {}),
    app,
  };
}

function annotateSm(
  x: TraceExchange,
  wire: CommandApdu,
  wireRsp: Uint8Array,
  st: AnnotationState,
  dec: SmDecryptor,
): AnnotatedSm {
  const commandDos = tlvTree(wire.data, 'sm-command');
  const responseDos =
    wireRsp.length > 2
      ? tlvTree(wireRsp.subarray(0, wireRsp.length - 2), 'sm-response')
      : undefined;
  const dos = { ...(commandDos ? { commandDos } : {}), ...(responseDos ? { responseDos } : {}) };
  let plainCmd: Uint8Array | undefined;
  let plainRsp: Uint8Array | undefined;
  let source: AnnotatedSm['source'];
  let extra: { ssc?: string; error?: string } = {};
  const outcome = dec.protectedExchange(x.seq, wire, wireRsp);
  if (x.plainCommand !== undefined) {
    source = 'recorded';
    plainCmd = fromHex(x.plainCommand);
    plainRsp = x.plainResponse !== undefined ? fromHex(x.plainResponse) : undefined;
  } else if (outcome?.status === 'decrypted') {
    source = 'decrypted';
    plainCmd = outcome.plainCommand;
    plainRsp = outcome.plainResponse;
    extra = { ssc: outcome.ssc };
  } else if (outcome?.status === 'error') {
    return { source: 'decryption-failed', ...dos, ssc: outcome.ssc, error: outcome.message };
  } else return { source: 'unavailable', ...dos };
  const pc = annotateCommand(plainCmd, st);
  const pr = plainRsp ? annotateResponse(plainRsp, pc.apdu, st, false) : undefined;
  if (pc.apdu && plainRsp && succeeded(plainRsp))
    updateState(pc.apdu, plainRsp.subarray(0, plainRsp.length - 2), st);
  return { source, ...dos, ...extra, plainCommand: pc.ann, ...(pr ? { plainResponse: pr } : {}) };
}

/** One annotated item of a trace: an exchange or an event. */
export type AnnotatedItem = AnnotatedTrace['items'][number];

/**
 * Annotates the records of one trace one at a time, in order, keeping the state the meaning of
 * later exchanges depends on (current application and file, MSE, SM session): the form a live
 * stream needs, where the whole trace is never at hand.
 */
export function liveAnnotator(options: AnnotateOptions = {}): (r: TraceRecord) => AnnotatedItem {
  const st = initialState();
  const dec = new SmDecryptor(options.smKeys ?? []);
  return (r) => {
    if (r.type === 'exchange') return { exchange: annotateExchange(r, st, dec) };
    if (r.kind === 'power-on' || r.kind === 'reset' || r.kind === 'power-off') {
      st.app = 'mf';
      st.file = undefined;
      st.mse = undefined;
    }
    return {
      event: {
        seq: r.seq,
        t: r.t,
        kind: r.kind,
        text: r.kind === 'note' ? (r.text ?? '') : `${r.kind}${r.atr ? ` ATR ${r.atr}` : ''}`,
      },
    };
  };
}

export function annotateTrace(trace: Trace, options: AnnotateOptions = {}): AnnotatedTrace {
  const next = liveAnnotator(options);
  return { header: trace.header, items: trace.records.map(next) };
}
