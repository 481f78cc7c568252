/** Text rendering of an annotated trace (`ciebench trace show`). */
import { renderTlv } from './tlv-render.ts';
import type {
  AnnotatedCommand,
  AnnotatedExchange,
  AnnotatedResponse,
  AnnotatedTrace,
} from './annotate.ts';

export interface TextOptions {
  /** Print whole values instead of shortening long ones. */
  readonly full?: boolean;
  /** Omit TLV trees. */
  readonly brief?: boolean;
}

const spaced = (hex: string, full: boolean): string => {
  const s = hex.replace(/(..)(?=.)/g, '$1 ');
  return !full && s.length > 96 ? `${s.slice(0, 96)}… (${hex.length / 2} bytes)` : s;
};

function commandLines(c: AnnotatedCommand, o: TextOptions, indent: string): string[] {
  const out = [
    `${indent}> ${spaced(c.hex, o.full ?? false)}`,
    `${indent}  ${c.summary}${c.file?.fid !== undefined ? '' : ''}`,
  ];
  if (!o.brief && c.tlv) out.push(...renderTlv(c.tlv, `${indent}    `, o.full));
  return out;
}

function responseLines(r: AnnotatedResponse | undefined, o: TextOptions, indent: string): string[] {
  if (r === undefined) return [`${indent}< (no response)`];
  const out = [
    `${indent}< ${spaced(r.hex, o.full ?? false)}`,
    `${indent}  ${r.summary} [${r.swName}]`,
  ];
  if (!o.brief && r.tlv) out.push(...renderTlv(r.tlv, `${indent}    `, o.full));
  return out;
}

export function renderExchangeText(x: AnnotatedExchange, o: TextOptions = {}): string[] {
  const time = x.durationUs > 0 ? ` ${x.durationUs} µs` : '';
  const out = [`#${x.seq} [${x.app}]${time}${x.incomplete ? ' INCOMPLETE' : ''}`];
  out.push(...commandLines(x.command, o, '  '));
  out.push(...responseLines(x.response, o, '  '));
  if (x.sm) {
    const head = `  SM: plain form ${x.sm.source}${x.sm.ssc ? ` (SSC ${x.sm.ssc})` : ''}${x.sm.error ? `: ${x.sm.error}` : ''}`;
    out.push(head);
    if (x.sm.plainCommand) out.push(...commandLines(x.sm.plainCommand, o, '    '));
    if (x.sm.plainCommand) out.push(...responseLines(x.sm.plainResponse, o, '    '));
  }
  for (const m of x.masked ?? []) out.push(`  masked ${m}`);
  for (const n of x.notes ?? []) out.push(`  note: ${n}`);
  return out;
}

export function renderTraceText(t: AnnotatedTrace, o: TextOptions = {}): string {
  const h = t.header;
  const out = [
    `trace: profile ${h.profile}, transport ${h.transport}, recorded by ${h.recordedBy}, secrets ${h.secrets}, started ${h.startedAt}`,
    ...(h.atr ? [`ATR ${spaced(h.atr, true)}`] : []),
    ...(h.source ? [`source: ${h.source.format}${h.source.file ? ` ${h.source.file}` : ''}`] : []),
    ...(h.description ? [h.description] : []),
    '',
  ];
  for (const item of t.items) {
    if ('event' in item) out.push(`#${item.event.seq} — ${item.event.text}`);
    else out.push(...renderExchangeText(item.exchange, o));
  }
  return `${out.join('\n')}\n`;
}
