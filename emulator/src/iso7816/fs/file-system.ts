/**
 * The file tree and its lookups (ISO/IEC 7816-4:2020 §5.3.1–5.3.2). Lookups are pure: they take
 * the DF to search from and return a node or undefined; SELECT decides what becomes current.
 */
import { HostError } from '../../host-error.ts';
import { equalBytes } from '../../bytes/bytes.ts';
import { toHex } from '../../bytes/hex.ts';
import type { FileAccess } from '../access.ts';
import { mfSpecSchema, type MfSpec, type ParsedDf, type ParsedSpecNode } from './file-spec.ts';
import { isDf, type DfNode, type EfNode, type FsNode } from './nodes.ts';

export const FID_3F00_MF = 0x3f00;

export class FileSystemSpecError extends HostError {
  readonly code = 'PROFILE_FILE_SYSTEM';
}

export class FileSystem {
  readonly mf: DfNode;

  constructor(mf: DfNode) {
    this.mf = mf;
  }

  /** Child of `df` with this FID (DF or EF). */
  child(df: DfNode, fid: number): FsNode | undefined {
    return df.children.find((c) => c.fid === fid);
  }

  /** EF child of `df` with this short EF identifier. */
  childBySfi(df: DfNode, sfi: number): EfNode | undefined {
    return df.children.find((c): c is EfNode => !isDf(c) && c.sfi === sfi);
  }

  /**
   * SELECT P1=00 by FID (ISO/IEC 7816-4:2020 §7.1.1): `3F00` is the MF; otherwise the current DF
   * itself, its children, its parent, then the parent's children (siblings), in that order.
   */
  selectableFromDf(df: DfNode, fid: number): FsNode | undefined {
    if (fid === FID_3F00_MF) return this.mf;
    if (df.fid === fid) return df;
    const own = this.child(df, fid);
    if (own) return own;
    const parent = df.parent;
    if (parent === undefined) return undefined;
    if (parent.fid === fid) return parent;
    return this.child(parent, fid);
  }

  /** All DFs whose name starts with `name` (exact matches first), in tree order. */
  dfsByName(name: Uint8Array): DfNode[] {
    const exact: DfNode[] = [];
    const partial: DfNode[] = [];
    const visit = (df: DfNode): void => {
      const n = df.dfName;
      if (n) {
        if (equalBytes(n, name)) exact.push(df);
        else if (n.length > name.length && equalBytes(n.subarray(0, name.length), name))
          partial.push(df);
      }
      for (const c of df.children) if (isDf(c)) visit(c);
    };
    visit(this.mf);
    return [...exact, ...partial];
  }

  /** Follows a path of FIDs from `start` (ISO/IEC 7816-4:2020 §5.3.2, path without the start). */
  resolvePath(start: DfNode, fids: readonly number[]): FsNode | undefined {
    let node: FsNode = start;
    for (const fid of fids) {
      if (!isDf(node)) return undefined;
      const next = this.child(node, fid);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** Depth-first list of all nodes (for reports and profile checks). */
  all(): FsNode[] {
    const out: FsNode[] = [];
    const visit = (n: FsNode): void => {
      out.push(n);
      if (isDf(n)) for (const c of n.children) visit(c);
    };
    visit(this.mf);
    return out;
  }
}

function buildNode(spec: ParsedSpecNode, parent: DfNode, path: string): FsNode {
  const access: FileAccess = spec.access ?? {};
  const lifeCycle = spec.lifeCycle ?? 'activated';
  const name = spec.name;
  if (spec.kind === 'EF') {
    return {
      kind: 'EF-transparent',
      fid: spec.fid,
      ...(spec.sfi !== undefined ? { sfi: spec.sfi } : {}),
      ...(name ? { name } : {}),
      lifeCycle,
      access,
      content: spec.content,
      parent,
    };
  }
  if (spec.kind === 'EF-record') {
    return {
      kind: 'EF-record',
      fid: spec.fid,
      ...(spec.sfi !== undefined ? { sfi: spec.sfi } : {}),
      ...(name ? { name } : {}),
      lifeCycle,
      access,
      records: [...spec.records],
      parent,
    };
  }
  return buildDf(spec, parent, path);
}

function buildDf(spec: ParsedDf, parent: DfNode | undefined, path: string): DfNode {
  const children: FsNode[] = [];
  const df: DfNode = {
    kind: spec.kind,
    ...(spec.kind === 'MF'
      ? { fid: FID_3F00_MF }
      : spec.fid !== undefined
        ? { fid: spec.fid }
        : {}),
    ...(spec.dfName ? { dfName: spec.dfName } : {}),
    ...(spec.name ? { name: spec.name } : {}),
    ...(spec.application ? { application: spec.application } : {}),
    lifeCycle: spec.lifeCycle ?? 'activated',
    access: spec.access ?? {},
    children,
    parent,
  };
  const fids = new Set<number>();
  const sfis = new Set<number>();
  for (const c of spec.children) {
    const here = `${path}/${c.kind === 'DF' ? (c.name ?? c.fid?.toString(16) ?? toHex(c.dfName ?? new Uint8Array())) : (c.fid ?? 0).toString(16)}`;
    if (c.fid !== undefined) {
      if (fids.has(c.fid))
        throw new FileSystemSpecError(`duplicate FID ${c.fid.toString(16)} at ${here}`);
      if (c.fid === FID_3F00_MF)
        throw new FileSystemSpecError(`FID 3F00 is reserved for the MF (${here})`);
      fids.add(c.fid);
    }
    if ((c.kind === 'EF' || c.kind === 'EF-record') && c.sfi !== undefined) {
      if (sfis.has(c.sfi)) throw new FileSystemSpecError(`duplicate SFI ${c.sfi} at ${here}`);
      sfis.add(c.sfi);
    }
    children.push(buildNode(c, df, here));
  }
  return df;
}

/** Validates a declarative tree and builds it; throws {@link FileSystemSpecError} with the path. */
export function buildFileSystem(spec: MfSpec): FileSystem {
  const parsed = mfSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new FileSystemSpecError(
      `invalid file-system spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return new FileSystem(buildDf(parsed.data, undefined, ''));
}
