/**
 * From a trace to the list of normalised logical exchanges the diff aligns: annotate (for file
 * names and plain forms), coalesce (the `coalesce` rules of `rules.ts`), then mask (the `mask`
 * rules). Each logical exchange carries the ids of the rules that changed it.
 */
import { decodeCla } from '../../emulator/src/apdu/cla.ts';
import {
  commandApdu,
  encodeCommandApdu,
  type CommandApdu,
} from '../../emulator/src/apdu/command-apdu.ts';
import { concatBytes } from '../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import {
  annotateTrace,
  type AnnotatedExchange,
  type AnnotateOptions,
} from '../annotate/annotate.ts';
import { tryParseCommand } from '../annotate/sm-keys.ts';
import type { FileRef } from '../annotate/state.ts';
import { tlvSkeleton, tlvTree } from '../annotate/tlv-render.ts';
import type { Trace } from '../format/schema.ts';
import { maskable, maskedHex } from './masking.ts';
import { RULES, type MaskTarget } from './rules.ts';
import {
  SW_6282_END_OF_FILE,
  SW_9000_OK,
  swFromResponse,
} from '../../emulator/src/apdu/status-words.ts';

export interface LogicalExchange {
  /** Trace record numbers of the exchanges merged into this one. */
  readonly seqs: readonly number[];
  readonly exchanges: readonly AnnotatedExchange[];
  /** Raw wire bytes of all merged exchanges (the "identical" test). */
  readonly wire: string;
  readonly incomplete: boolean;
  /** A side whose source logged status words only: the diff compares the SW alone. */
  readonly swOnly: boolean;
  /** Normalised command: the alignment key. */
  readonly key: string;
  /** Normalised response data (`··` for masked bytes, or a placeholder for whole-data rules). */
  readonly data: string;
  readonly sw: string;
  /** Semantic response data length in bytes (-1 when unknown). */
  readonly length: number;
  readonly lengthMasked: boolean;
  readonly skeleton: string;
  readonly rules: readonly string[];
  readonly summary: string;
}

interface Semantic {
  readonly seqs: number[];
  readonly exchanges: AnnotatedExchange[];
  readonly wire: string[];
  /** SW of the last wire response (61xx chains are transport-level even under SM). */
  wireSw: number;
  command: Uint8Array;
  response: Uint8Array;
  readonly sm: boolean;
  readonly plainKnown: boolean;
  incomplete: boolean;
  swOnly: boolean;
  readonly file: FileRef | undefined;
  readonly app: string;
  readonly rules: Set<string>;
}

function semanticOf(x: AnnotatedExchange): Semantic {
  const wireCmd = fromHex(x.command.hex);
  const wireRsp = fromHex(x.response?.hex ?? '');
  const apdu = tryParseCommand(wireCmd);
  const sm = apdu !== undefined && decodeCla(apdu.cla).sm !== 'none';
  const plainCmd = x.sm?.plainCommand?.hex;
  const plainRsp = x.sm?.plainResponse?.hex;
  const plainKnown = sm && plainCmd !== undefined;
  const file = (plainKnown ? x.sm?.plainCommand?.file : undefined) ?? x.command.file;
  return {
    seqs: [x.seq],
    exchanges: [x],
    wire: [`${x.command.hex}/${x.response?.hex ?? ''}`],
    wireSw: swOf(wireRsp),
    command: plainKnown ? fromHex(plainCmd as string) : wireCmd,
    response: plainKnown && plainRsp !== undefined ? fromHex(plainRsp) : wireRsp,
    sm,
    plainKnown,
    incomplete: x.incomplete === true,
    swOnly: x.responseDataUnknown === true,
    file,
    app: x.app,
    rules: new Set(sm ? ['sm-wire'] : []),
  };
}

/** A chunk of a file read: data with 9000, or the last one with 6282. */
const READ_OK: readonly number[] = [SW_9000_OK, SW_6282_END_OF_FILE];
const swOf = (r: Uint8Array): number => (r.length >= 2 ? swFromResponse(r) : -1);
const dataOf = (r: Uint8Array): Uint8Array =>
  r.length >= 2 ? r.subarray(0, r.length - 2) : new Uint8Array(0);
const ins = (s: Semantic): number => s.command[1] ?? -1;
const isRead = (s: Semantic): boolean => ins(s) === 0xb0 || ins(s) === 0xb1;

function merge(into: Semantic, next: Semantic, rule: string, response: Uint8Array): void {
  into.seqs.push(...next.seqs);
  into.exchanges.push(...next.exchanges);
  into.wire.push(...next.wire);
  into.response = response;
  into.incomplete = next.incomplete;
  into.swOnly ||= next.swOnly;
  into.rules.add(rule);
  for (const r of next.rules) into.rules.add(r);
}

/**
 * `s` continues the command chain `prev` started: `prev` had the chaining bit and was accepted
 * with a bare `9000` (a segment that answers data, like a PACE GENERAL AUTHENTICATE step, is a
 * dialogue step, not a piece of one data field), same INS/P1/P2 and CLA apart from the chaining
 * and SM bits (ISO/IEC 7816-4:2020 §5.3.3).
 */
function continuesChain(prev: Semantic, s: Semantic): CommandApdu | undefined {
  const a = tryParseCommand(prev.command);
  const b = tryParseCommand(s.command);
  if (
    !a ||
    !b ||
    prev.incomplete ||
    (a.cla & 0x10) === 0 ||
    prev.response.length !== 2 ||
    swOf(prev.response) !== SW_9000_OK
  )
    return undefined;
  if ((a.cla & ~0x1c) !== (b.cla & ~0x1c) || a.ins !== b.ins || a.p1 !== b.p1 || a.p2 !== b.p2)
    return undefined;
  return commandApdu({
    cla: b.cla,
    ins: b.ins,
    p1: b.p1,
    p2: b.p2,
    data: concatBytes(a.data, b.data),
    ne: b.ne,
  });
}

/** The coalesce rules of `rules.ts`, in one pass. */
function coalesce(list: Semantic[]): Semantic[] {
  const out: Semantic[] = [];
  for (const s of list) {
    const prev = out[out.length - 1];
    const whole = prev ? continuesChain(prev, s) : undefined;
    if (prev && whole) {
      prev.command = encodeCommandApdu(whole);
      merge(prev, s, 'command-chain', s.response);
      prev.wireSw = s.wireSw;
      continue;
    }
    if (prev && !prev.incomplete && prev.wireSw >> 8 === 0x61 && ins(s) === 0xc0) {
      // With a recorded plain form the plain response is already whole; otherwise join the parts.
      const joined =
        prev.plainKnown && swOf(prev.response) >> 8 !== 0x61
          ? prev.response
          : concatBytes(dataOf(prev.response), s.response);
      merge(prev, s, 'get-response-chain', joined);
      prev.wireSw = s.wireSw;
      continue;
    }
    if (
      prev &&
      swOf(prev.response) >> 8 === 0x6c &&
      toHex(prev.command.subarray(0, 4)) === toHex(s.command.subarray(0, 4))
    ) {
      merge(prev, s, 'wrong-le-retry', s.response);
      continue;
    }
    if (
      prev &&
      prev.incomplete &&
      prev.response.length === 0 &&
      toHex(prev.command) === toHex(s.command)
    ) {
      prev.command = s.command;
      merge(prev, s, 'transport-retry', s.response);
      continue;
    }
    if (
      prev &&
      !s.incomplete &&
      isRead(prev) &&
      isRead(s) &&
      prev.file?.name !== undefined &&
      prev.file.name === s.file?.name &&
      (s.file.kind === 'holder-data' || s.file.kind === 'card-unique') &&
      READ_OK.includes(swOf(prev.response))
    ) {
      merge(prev, s, 'read-chunks', concatBytes(dataOf(prev.response), s.response));
      continue;
    }
    out.push(s);
  }
  return out;
}

/** SM wire without plain forms: header ‖ DO tags and lengths; status DO 99 kept (it is plain). */
function smWireShape(bytes: Uint8Array, isCommand: boolean): string {
  const body = isCommand ? (tryParseCommand(bytes)?.data ?? new Uint8Array(0)) : dataOf(bytes);
  const tree = tlvTree(body, isCommand ? 'sm-command' : 'sm-response') ?? [];
  const dos = tree
    .map((n) => (n.tag === '99' || n.tag === '97' ? `${n.tag}=${n.value}` : `${n.tag}:${n.length}`))
    .join(',');
  return isCommand
    ? `${toHex(Uint8Array.of((bytes[0] ?? 0) & ~0x0c))}${toHex(bytes.subarray(1, 4))} SM{${dos}}`
    : `SM{${dos}}`;
}

function normalise(s: Semantic): LogicalExchange {
  const summary =
    s.exchanges[0]?.sm?.plainCommand?.summary ?? s.exchanges[0]?.command.summary ?? '';
  const base = {
    seqs: s.seqs,
    exchanges: s.exchanges,
    wire: s.wire.join(' '),
    incomplete: s.incomplete,
    swOnly: s.swOnly,
    summary,
  };
  const apdu: CommandApdu | undefined = tryParseCommand(s.command);
  if (s.sm && !s.plainKnown) {
    return {
      ...base,
      key: smWireShape(s.command, true),
      data: smWireShape(s.response, false),
      sw: s.response.length >= 2 ? toHex(s.response.subarray(-2)) : '',
      length: -1,
      lengthMasked: true,
      skeleton: '',
      rules: [...s.rules],
    };
  }
  const data = dataOf(s.response);
  const target: MaskTarget = { command: maskable(s.command), data: maskable(data) };
  const rules = new Set(s.rules);
  if (apdu) {
    const input = {
      command: apdu,
      commandBytes: s.command,
      data,
      sw: swOf(s.response),
      app: s.app,
      ...(s.file ? { file: s.file } : {}),
    };
    for (const rule of RULES) if (rule.apply?.(input, target)) rules.add(rule.id);
  }
  const readKey =
    rules.has('read-chunks') && s.file
      ? `${toHex(s.command.subarray(0, 2))} READ ${s.file.name}`
      : undefined;
  const key = readKey ?? maskedHex(target.command);
  return {
    ...base,
    key,
    data: target.wholeData ?? maskedHex(target.data),
    sw: s.response.length >= 2 ? toHex(s.response.subarray(-2)) : '',
    length: data.length,
    lengthMasked: target.wholeData !== undefined,
    skeleton: tlvSkeleton(tlvTree(data, 'der')),
    rules: [...rules],
  };
}

export function logicalExchanges(trace: Trace, options: AnnotateOptions = {}): LogicalExchange[] {
  const annotated = annotateTrace(trace, options);
  const list: Semantic[] = [];
  for (const item of annotated.items) if ('exchange' in item) list.push(semanticOf(item.exchange));
  return coalesce(list).map(normalise);
}
