/**
 * Command chaining (ISO/IEC 7816-4:2020 §5.3.3): CLA bit b5 = 1 announces that more commands of
 * the same chain follow. All commands of a chain carry the same CLA (apart from b5), INS, P1 and
 * P2. A command that does not belong to a pending chain aborts it and is answered `6883` (last
 * command of the chain expected) without being executed.
 *
 * Under secure messaging every segment is protected on its own (ias/README.md §4.2 item 7), so the
 * pipeline unwraps first and chains the plain segments.
 */
import { concatBytes } from '../bytes/bytes.ts';

export interface ChainBuffer {
  readonly key: number;
  readonly protectedChain: boolean;
  readonly parts: Uint8Array[];
  length: number;
}

/** Identity of a chain: CLA without the chaining bit, INS, P1, P2. */
export function chainKey(cla: number, ins: number, p1: number, p2: number): number {
  return (cla & ~0x10) * 0x1000000 + ins * 0x10000 + p1 * 0x100 + p2;
}

export function joinChain(chain: ChainBuffer, last: Uint8Array): Uint8Array {
  return concatBytes(...chain.parts, last);
}
