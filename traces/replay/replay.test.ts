/**
 * Replay: a trace recorded on one card is replayed against another (same personality, other
 * seed; other personality) and diffed. Plain exchanges are resent; the SM session is
 * re-established through a session establisher and the protected commands are resent from their
 * recorded plain forms; masked PINs are refilled only when given.
 */
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { diffTraces } from '../diff/diff.ts';
import type { Trace, TraceRecord } from '../format/schema.ts';
import { recordCardSession } from '../record/record-session.ts';
import { createTraceTestCard, e0Establisher } from '../testing/test-cards.ts';
import { testFlow } from '../testing/test-flows.ts';
import { replayTrace } from './replay.ts';

async function source(seed: string): Promise<Trace> {
  return recordCardSession(createTraceTestCard(seed), (ch) => testFlow(ch, seed), {
    profile: 'trace-test',
  });
}

describe('trace replay', () => {
  it('replays plain and SM-protected segments against a card with another seed: only normalised differences', async () => {
    const src = await source('recorded');
    const target = createTraceTestCard('replayed');
    const r = await replayTrace(src, new InProcessChannel(target), {
      profile: 'trace-test',
      establisher: e0Establisher('replayed'),
    });
    expect(r.established).toEqual(['test-e0']);
    expect(r.skipped.map((s) => s.seq)).toEqual([8]);
    const d = diffTraces(src, r.trace);
    expect(d.divergences).toBe(0);
    expect(d.counts['same-after-normalisation']).toBe(4);
    // The replayed protected exchanges carry their plain forms (reported by the replayer).
    const plain = r.trace.records.filter(
      (x) => x.type === 'exchange' && x.plainCommand !== undefined,
    );
    expect(plain.length).toBe(3);
  });

  it('without a session establisher the protected exchanges are listed as not resent, with the reason', async () => {
    const src = await source('recorded');
    const r = await replayTrace(src, new InProcessChannel(createTraceTestCard('x')), {
      profile: 'trace-test',
    });
    expect(r.skipped.map((s) => `${s.seq}`)).toEqual(['9', '10', '11']);
    expect(r.skipped[0]?.reason).toMatch(/no session was established/);
    const d = diffTraces(src, r.trace);
    expect(d.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}`)).toEqual([
      '9:only-in-a',
      '10:only-in-a',
      '11:only-in-a',
    ]);
  });

  it('against another personality the replay diff shows its specific divergence', async () => {
    const src = await source('recorded');
    const r = await replayTrace(
      src,
      new InProcessChannel(createTraceTestCard('replayed', { readBeyondEof: '9000' })),
      { profile: 'trace-test-eof9000', establisher: e0Establisher('replayed') },
    );
    const d = diffTraces(src, r.trace);
    expect(
      d.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}:${p.detail}`),
    ).toEqual(['11:different-sw:SW 6282 ≠ 9000']);
  });

  it('a masked VERIFY is resent only with the secret given', async () => {
    const src = await source('recorded');
    const verify: TraceRecord = {
      type: 'exchange',
      seq: 100,
      tStart: 0,
      tEnd: 0,
      command: '00200081082A2A2A2A2A2A2A2A',
      response: '6D00',
      masked: [
        { field: 'command', offset: 5, length: 8, reason: 'VERIFY reference data (PIN/PUK)' },
      ],
    };
    const withVerify: Trace = {
      header: src.header,
      records: [...src.records.slice(0, 2), verify].map((x, i) => ({ ...x, seq: i + 1 })),
    };
    const without = await replayTrace(withVerify, new InProcessChannel(createTraceTestCard('x')), {
      profile: 'trace-test',
    });
    expect(without.skipped).toEqual([{ seq: 3, reason: 'masked PIN and no --pin/--puk given' }]);
    const withPin = await replayTrace(withVerify, new InProcessChannel(createTraceTestCard('x')), {
      profile: 'trace-test',
      secrets: { pin: '12345678' },
    });
    expect(withPin.skipped).toEqual([]);
    // The replay trace masks the PIN again.
    const sent = withPin.trace.records.find(
      (x) => x.type === 'exchange' && x.command.startsWith('00200081'),
    );
    expect(sent?.type === 'exchange' ? sent.command : '').toBe('00200081082A2A2A2A2A2A2A2A');
  });
});
