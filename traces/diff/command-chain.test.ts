/**
 * Command chaining in the diff (ISO/IEC 7816-4:2020 §5.3.3): chained segments are merged into one
 * logical command before normalisation, so a data object cut across segments is masked whole —
 * whatever its random bytes look like. The IAS MSE SET KAT (266 bytes, chained 255 + 11,
 * ias/README.md §3 row 10) is the case: its continuation carries only the end of PuK.IFD.DH.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { Trace, TraceExchange } from '../format/schema.ts';
import { diffTraces } from './diff.ts';

function katTrace(key: Uint8Array): Trace {
  const data = Uint8Array.from([
    0x80,
    0x01,
    0x9b,
    0x83,
    0x01,
    0x81,
    0x91,
    0x82,
    0x01,
    0x00,
    ...key,
  ]);
  const first = `102241A6FF${toHex(data.subarray(0, 255))}`;
  const rest = data.subarray(255);
  const last = `002241A6${toHex(Uint8Array.of(rest.length))}${toHex(rest)}`;
  const x = (seq: number, command: string, response: string): TraceExchange => ({
    type: 'exchange',
    seq,
    tStart: seq,
    tEnd: seq,
    command,
    response,
  });
  return {
    header: {
      type: 'header',
      format: 'ciebench-trace',
      version: 1,
      profile: 'nxp',
      transport: 'in-process',
      tool: 'test',
      startedAt: '2026-01-01T00:00:00.000Z',
      recordedBy: 'card',
      secrets: 'masked',
    },
    records: [
      x(1, '00A4000C', '9000'),
      x(2, first, '9000'),
      x(3, last, '9000'),
      x(4, '00CB3FFF064D04A6029100', '9000'),
    ],
  };
}

const key = (fill: number, tail: number): Uint8Array => {
  const k = new Uint8Array(256).fill(fill);
  k[245] = tail; // first byte of the continuation segment
  return k;
};

describe('command chains in the diff (ISO/IEC 7816-4:2020 §5.3.3)', () => {
  it('two chained MSE SET KAT with different keys are one logical command each, same after normalisation', () => {
    const d = diffTraces(katTrace(key(0x11, 0x12)), katTrace(key(0x22, 0x80)));
    expect(d.divergences).toBe(0);
    const kat = d.pairs.find((p) => p.a?.seqs.includes(2));
    expect(kat?.a?.seqs).toEqual([2, 3]);
    expect(kat?.class).toBe('same-after-normalisation');
    expect(kat?.rules).toEqual(expect.arrayContaining(['command-chain', 'ias-dh-public-keys']));
  });

  it('a different algorithm reference in the same chain is still a divergence', () => {
    const other = katTrace(key(0x22, 0x80));
    const changed = other.records.map((r) =>
      r.type === 'exchange' && r.seq === 2
        ? { ...r, command: r.command.replace('102241A6FF80019B', '102241A6FF80019C') }
        : r,
    );
    const d = diffTraces(katTrace(key(0x11, 0x12)), { ...other, records: changed });
    // Another command, not a masked difference: it no longer aligns.
    expect(
      d.pairs
        .filter((p) => p.divergent)
        .map((p) => `${p.a?.seqs.join('+') ?? '-'}/${p.b?.seqs.join('+') ?? '-'} ${p.class}`),
    ).toEqual(['2+3/- only-in-a', '-/2+3 only-in-b']);
  });
});
