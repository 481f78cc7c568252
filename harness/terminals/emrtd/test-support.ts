/**
 * Test doubles for the eMRTD terminal and card tests (the JMRTD `ScriptedCardService` pattern,
 * house style §3.5): a channel that replays published responses and checks every command, and an
 * RNG that hands out scripted values first.
 */
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { seededRng, type Rng } from '../../../emulator/src/crypto/rng.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';

export interface ScriptStep {
  readonly name?: string;
  readonly command: string;
  readonly response: string;
}

/** Replays `steps`; a command that differs from the script fails loudly with both hex forms. */
export class ScriptedChannel implements ApduChannel {
  readonly kind = 'scripted';
  readonly description = 'scripted card (published responses)';
  private readonly steps: readonly ScriptStep[];
  next = 0;
  readonly mismatches: string[] = [];

  constructor(steps: readonly ScriptStep[]) {
    this.steps = steps;
  }

  async connect(): Promise<Uint8Array> {
    return fromHex('3B8080010101');
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const step = this.steps[this.next++];
    if (!step) {
      this.mismatches.push(`unexpected extra command ${toHex(command)}`);
      return fromHex('6F00');
    }
    if (toHex(command) !== step.command.toUpperCase()) this.mismatches.push(`${step.name ?? `#${this.next}`}: sent ${toHex(command)}, published ${step.command}`);
    return fromHex(step.response);
  }

  async reset(): Promise<Uint8Array> {
    return this.connect();
  }

  async close(): Promise<void> {}
}

/** An RNG that first returns the scripted chunks (each exactly as long as asked), then seeded bytes. */
export function scriptedRng(chunks: readonly (string | Uint8Array)[], seed = 'scripted-rng'): Rng & { readonly used: () => number } {
  const queue = chunks.map((c) => (typeof c === 'string' ? fromHex(c) : c));
  const rest = seededRng(seed);
  let used = 0;
  return {
    bytes(n: number): Uint8Array {
      const next = queue.shift();
      if (!next) return rest.bytes(n);
      used++;
      if (next.length !== n) throw new Error(`scripted RNG: chunk of ${next.length} bytes, ${n} asked`);
      return concatBytes(next);
    },
    used: () => used,
  };
}

/** The bytes `randomBelow(rng, order − 1) + 1` turns into `key` (for scripting private keys). */
export function privateKeyChunk(key: bigint, orderBytes: number): Uint8Array {
  const v = key - 1n;
  return fromHex(v.toString(16).padStart(orderBytes * 2, '0'));
}
