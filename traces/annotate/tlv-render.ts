/**
 * BER-TLV trees for annotation: every node named in its context, values shown as text, OID,
 * number or hex. Parsing is strict (foundation `parseTlvTree`); data that does not parse as a
 * whole is left as hex and the caller says so.
 */
import { parseTlvTree, tagToHex, type Tlv } from '../../emulator/src/bytes/ber-tlv.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { OIDS } from './tables.ts';
import { childContext, tagName, type TlvContext } from './tlv-names.ts';

export interface TlvNode {
  readonly tag: string;
  readonly name?: string;
  readonly length: number;
  /** Primitive value, hex. */
  readonly value?: string;
  /** Readable form of the value (ASCII text, OID, integer) when there is one. */
  readonly text?: string;
  readonly children?: readonly TlvNode[];
}

/** Parses `bytes` as a sequence of BER-TLV objects; undefined when they do not parse exactly. */
export function tlvTree(bytes: Uint8Array, ctx: TlvContext): TlvNode[] | undefined {
  if (bytes.length === 0) return undefined;
  let list: Tlv[];
  try {
    list = parseTlvTree(bytes);
  } catch {
    return undefined;
  }
  return list.map((t) => node(t, ctx));
}

function node(t: Tlv, ctx: TlvContext): TlvNode {
  const name = tagName(ctx, t.tag);
  const base = { tag: tagToHex(t.tag), ...(name ? { name } : {}), length: t.value.length };
  if (t.children)
    return { ...base, children: t.children.map((c) => node(c, childContext(ctx, t.tag))) };
  // An extended header list (ISO/IEC 7816-4 §8.5.1) is primitive but holds a header tree.
  const headers = t.tag === 0x4d ? tlvTree(t.value, ctx) : undefined;
  if (headers) return { ...base, children: headers };
  const text = readable(t.tag, t.value);
  return { ...base, value: toHex(t.value), ...(text !== undefined ? { text } : {}) };
}

export function decodeOid(v: Uint8Array): string | undefined {
  if (v.length === 0) return undefined;
  const first = v[0] as number;
  const arcs: number[] = [
    first < 80 ? Math.floor(first / 40) : 2,
    first < 80 ? first % 40 : first - 80,
  ];
  let acc = 0;
  for (let i = 1; i < v.length; i++) {
    const b = v[i] as number;
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    } else if (i === v.length - 1) return undefined;
  }
  return arcs.join('.');
}

function readable(tag: number, v: Uint8Array): string | undefined {
  if (tag === 0x06) {
    const oid = decodeOid(v);
    return oid === undefined ? undefined : `${oid}${OIDS.has(oid) ? ` (${OIDS.get(oid)})` : ''}`;
  }
  if (tag === 0x02 && v.length > 0 && v.length <= 4)
    return String(v.reduce((a, b) => a * 256 + b, 0));
  if (v.length >= 2 && v.every((b) => b >= 0x20 && b < 0x7f))
    return JSON.stringify(String.fromCharCode(...v));
  return undefined;
}

/** Indented text lines; long values are shortened unless `full`. */
export function renderTlv(nodes: readonly TlvNode[], indent = '', full = false): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const head = `${indent}${n.tag}${n.name ? ` ${n.name}` : ''} (${n.length})`;
    if (n.children) {
      out.push(head);
      out.push(...renderTlv(n.children, `${indent}  `, full));
      continue;
    }
    const v = n.value ?? '';
    const shown = !full && v.length > 64 ? `${v.slice(0, 64)}…` : v;
    out.push(`${head}${n.text ? ` ${n.text}` : ''}${shown && !n.text ? ` ${shown}` : ''}`);
  }
  return out;
}

/** The tag/length skeleton of a tree (used by the diff to compare structures). */
export function tlvSkeleton(nodes: readonly TlvNode[] | undefined): string {
  if (nodes === undefined) return '';
  return nodes
    .map((n) => `${n.tag}:${n.length}${n.children ? `{${tlvSkeleton(n.children)}}` : ''}`)
    .join(',');
}
