/**
 * A secure-messaging session: cipher suite, session keys and the send sequence counter.
 * Immutable: every codec step returns the next session. The SSC is advanced only by
 * {@link advanceSsc} (DESIGN.md rule 6).
 */
import { bigIntToBytes } from '../bytes/bytes.ts';
import type { SmCipherSuite } from './cipher-suite.ts';

export interface SmSession {
  readonly suite: SmCipherSuite;
  readonly kEnc: Uint8Array;
  readonly kMac: Uint8Array;
  readonly ssc: bigint;
}

export function smSession(
  suite: SmCipherSuite,
  kEnc: Uint8Array,
  kMac: Uint8Array,
  ssc: bigint | Uint8Array = 0n,
): SmSession {
  const s = typeof ssc === 'bigint' ? ssc : sscFromBytes(ssc);
  return { suite, kEnc, kMac, ssc: s };
}

function sscFromBytes(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** The one place the SSC moves: +1 modulo 2^(8·sscLength). */
export function advanceSsc(session: SmSession): SmSession {
  const modulus = 1n << BigInt(8 * session.suite.sscLength);
  return { ...session, ssc: (session.ssc + 1n) % modulus };
}

export function encodeSsc(session: SmSession): Uint8Array {
  return bigIntToBytes(session.ssc, session.suite.sscLength);
}

/** Same keys, counter replaced (after BAC, DAPP or CA the counter is re-seeded). */
export function withSsc(session: SmSession, ssc: bigint | Uint8Array): SmSession {
  return { ...session, ssc: typeof ssc === 'bigint' ? ssc : sscFromBytes(ssc) };
}
