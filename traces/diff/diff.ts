/**
 * `trace diff`: align two traces over their normalised commands and classify every pair.
 *
 * | class                     | meaning                                                        |
 * |---------------------------|----------------------------------------------------------------|
 * | identical                 | same wire bytes                                                |
 * | same-after-normalisation  | equal once the named rules are applied (or, for a source that  |
 * |                           | logged status words only, the same status word)                |
 * | different-sw              | same command, different status word (plain SW under SM)        |
 * | different-length          | same SW, response data of different length                     |
 * | different-tlv-structure   | same length, different BER-TLV tags/lengths                    |
 * | different-data            | same length and structure, different bytes no rule explains    |
 * | only-in-a / only-in-b     | the exchange has no counterpart                                |
 * | incomplete                | cut short in the source (no response): nothing to compare      |
 *
 * Divergences are the `different-*` and `only-in-*` classes not explained by the allow-list.
 */
import { basename } from 'node:path';
import type { AnnotateOptions } from '../annotate/annotate.ts';
import type { Trace } from '../format/schema.ts';
import { align } from './align.ts';
import { findExplanation, type AllowEntry } from './allow-list.ts';
import { logicalExchanges, type LogicalExchange } from './normalise.ts';
import { RULES_BY_ID } from './rules.ts';

export const DIFF_CLASSES = [
  'identical',
  'same-after-normalisation',
  'different-sw',
  'different-length',
  'different-tlv-structure',
  'different-data',
  'only-in-a',
  'only-in-b',
  'incomplete',
] as const;
export type DiffClass = (typeof DIFF_CLASSES)[number];

const DIVERGENT: ReadonlySet<DiffClass> = new Set([
  'different-sw',
  'different-length',
  'different-tlv-structure',
  'different-data',
  'only-in-a',
  'only-in-b',
]);

export interface DiffPair {
  readonly class: DiffClass;
  readonly a?: LogicalExchange;
  readonly b?: LogicalExchange;
  readonly rules: readonly string[];
  readonly detail: string;
  readonly divergent: boolean;
  readonly explained?: string;
}

export interface DiffSide {
  readonly name: string;
  readonly profile: string;
  readonly transport: string;
  readonly recordedBy: string;
  readonly exchanges: number;
}

export interface DiffReport {
  readonly a: DiffSide;
  readonly b: DiffSide;
  readonly pairs: readonly DiffPair[];
  readonly counts: Readonly<Record<DiffClass, number>>;
  readonly rulesApplied: ReadonlyArray<{
    readonly id: string;
    readonly title: string;
    readonly reason: string;
    readonly ref: string;
    readonly pairs: number;
  }>;
  readonly divergences: number;
  readonly explained: number;
}

export interface DiffOptions {
  readonly nameA?: string;
  readonly nameB?: string;
  readonly annotateA?: AnnotateOptions;
  readonly annotateB?: AnnotateOptions;
  readonly allowList?: readonly AllowEntry[];
}

function classify(a: LogicalExchange, b: LogicalExchange): { cls: DiffClass; detail: string } {
  if (a.incomplete || b.incomplete)
    return { cls: 'incomplete', detail: `${a.incomplete ? 'A' : 'B'} has no complete response` };
  if (a.wire === b.wire) return { cls: 'identical', detail: '' };
  if (a.sw !== b.sw) return { cls: 'different-sw', detail: `SW ${a.sw} ≠ ${b.sw}` };
  if (a.swOnly || b.swOnly)
    return { cls: 'same-after-normalisation', detail: 'status word only in the source' };
  if (a.data === b.data) return { cls: 'same-after-normalisation', detail: '' };
  if (!a.lengthMasked && !b.lengthMasked && a.length !== b.length)
    return { cls: 'different-length', detail: `response data ${a.length} ≠ ${b.length} bytes` };
  if (a.skeleton !== b.skeleton && (a.skeleton !== '' || b.skeleton !== ''))
    return {
      cls: 'different-tlv-structure',
      detail: `TLV ${a.skeleton || '(not TLV)'} ≠ ${b.skeleton || '(not TLV)'}`,
    };
  return {
    cls: 'different-data',
    detail: `first difference at data byte ${firstDifference(a.data, b.data)}`,
  };
}

function firstDifference(x: string, y: string): number {
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return Math.floor(i / 2);
}

function side(name: string, t: Trace, n: number): DiffSide {
  return {
    name,
    profile: t.header.profile,
    transport: t.header.transport,
    recordedBy: t.header.recordedBy,
    exchanges: n,
  };
}

export function diffTraces(ta: Trace, tb: Trace, options: DiffOptions = {}): DiffReport {
  const la = logicalExchanges(ta, options.annotateA);
  const lb = logicalExchanges(tb, options.annotateB);
  const nameA = options.nameA ?? 'A';
  const pairs: DiffPair[] = align(
    la.map((x) => x.key),
    lb.map((x) => x.key),
  ).map((step) => {
    const a = step.a === undefined ? undefined : la[step.a];
    const b = step.b === undefined ? undefined : lb[step.b];
    let cls: DiffClass;
    let detail: string;
    if (a && b) ({ cls, detail } = classify(a, b));
    else if (a)
      [cls, detail] = a.incomplete
        ? ['incomplete', 'A has no complete response and no counterpart in B']
        : ['only-in-a', 'no counterpart in B'];
    else
      [cls, detail] = (b as LogicalExchange).incomplete
        ? ['incomplete', 'B has no complete response and no counterpart in A']
        : ['only-in-b', 'no counterpart in A'];
    const swOnly = a?.swOnly === true || b?.swOnly === true;
    const rules =
      cls === 'identical'
        ? []
        : [
            ...new Set([
              ...(a?.rules ?? []),
              ...(b?.rules ?? []),
              ...(swOnly && cls === 'same-after-normalisation' ? ['sw-only-source'] : []),
            ]),
          ];
    const explanation = DIVERGENT.has(cls)
      ? findExplanation(options.allowList ?? [], {
          trace: basename(nameA),
          cls,
          seq: (a ?? b)?.seqs[0],
          command: (a ?? b)?.key ?? '',
        })
      : undefined;
    return {
      class: cls,
      ...(a ? { a } : {}),
      ...(b ? { b } : {}),
      rules,
      detail,
      divergent: DIVERGENT.has(cls) && explanation === undefined,
      ...(explanation ? { explained: explanation.reason } : {}),
    };
  });
  const counts = Object.fromEntries(
    DIFF_CLASSES.map((c) => [c, pairs.filter((p) => p.class === c).length]),
  ) as Record<DiffClass, number>;
  const ruleCounts = new Map<string, number>();
  for (const p of pairs) for (const r of p.rules) ruleCounts.set(r, (ruleCounts.get(r) ?? 0) + 1);
  const rulesApplied = [...ruleCounts].map(([id, n]) => {
    const r = RULES_BY_ID.get(id);
    return { id, title: r?.title ?? id, reason: r?.reason ?? '', ref: r?.ref ?? '', pairs: n };
  });
  return {
    a: side(nameA, ta, la.length),
    b: side(options.nameB ?? 'B', tb, lb.length),
    pairs,
    counts,
    rulesApplied,
    divergences: pairs.filter((p) => p.divergent).length,
    explained: pairs.filter((p) => p.explained !== undefined).length,
  };
}

/** JSON-friendly form: logical exchanges reduced to what a reader needs. */
export function diffReportJson(r: DiffReport): unknown {
  const ex = (x: LogicalExchange | undefined): unknown =>
    x && {
      seqs: x.seqs,
      command: x.exchanges.map((e) => e.command.hex),
      response: x.exchanges.map((e) => e.response?.hex ?? ''),
      summary: x.summary,
      normalisedCommand: x.key,
      normalisedData: x.data,
      sw: x.sw,
    };
  return { ...r, pairs: r.pairs.map((p) => ({ ...p, a: ex(p.a), b: ex(p.b) })) };
}
