/**
 * File-system nodes (ISO/IEC 7816-4:2020 §5.3): MF, DFs (optionally applications with a DF name)
 * and elementary files, transparent or record-structured. Nodes hold structure and content only;
 * the current DF/EF lives in the card state (DESIGN.md §2).
 */
import type { FileAccess } from '../access.ts';

/** ISO/IEC 7816-4:2020 §5.3.3.2 Table 13 (life cycle status byte). */
export type LifeCycle = 'creation' | 'initialisation' | 'activated' | 'deactivated' | 'terminated';

export const LCS_BYTE: Readonly<Record<LifeCycle, number>> = {
  creation: 0x01,
  initialisation: 0x03,
  activated: 0x05,
  deactivated: 0x04,
  terminated: 0x0c,
};

interface NodeBase {
  /** File identifier; absent for DFs reachable only by name. */
  readonly fid?: number;
  /** Human name for traces (`EF.COM`, `DF_CIE`). */
  readonly name?: string;
  readonly lifeCycle: LifeCycle;
  readonly access: FileAccess;
}

export interface DfNode extends NodeBase {
  readonly kind: 'MF' | 'DF';
  readonly dfName?: Uint8Array;
  /** Id of the application whose command table applies while this DF (or a descendant) is current. */
  readonly application?: string;
  readonly children: readonly FsNode[];
  readonly parent: DfNode | undefined;
}

export interface TransparentEfNode extends NodeBase {
  readonly kind: 'EF-transparent';
  readonly sfi?: number;
  content: Uint8Array;
  readonly parent: DfNode;
}

export interface RecordEfNode extends NodeBase {
  readonly kind: 'EF-record';
  readonly sfi?: number;
  readonly records: Uint8Array[];
  readonly parent: DfNode;
}

export type EfNode = TransparentEfNode | RecordEfNode;
export type FsNode = DfNode | EfNode;

export function isDf(node: FsNode): node is DfNode {
  return node.kind === 'MF' || node.kind === 'DF';
}

export function isEf(node: FsNode): node is EfNode {
  return !isDf(node);
}

export function describeNode(node: FsNode): string {
  const fid = node.fid === undefined ? '' : node.fid.toString(16).toUpperCase().padStart(4, '0');
  return node.name ? `${node.name}${fid ? ` (${fid})` : ''}` : fid || node.kind;
}
