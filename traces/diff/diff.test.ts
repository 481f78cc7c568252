/**
 * Trace diff on the generic ISO test card with an SM session (traces/testing): two
 * runs with different seeds are "same after normalisation"; a different personality shows its
 * specific divergences; an altered trace (one SW changed, one exchange removed) is reported
 * exactly. Also: GET RESPONSE chains and wrong-Le retries are merged, not reported.
 */
import { describe, expect, it } from 'vitest';
import type { Trace, TraceExchange, TraceRecord } from '../format/schema.ts';
import { recordCardSession } from '../record/record-session.ts';
import { createTraceTestCard } from '../testing/test-cards.ts';
import { testFlow } from '../testing/test-flows.ts';
import { diffTraces, type DiffReport } from './diff.ts';
import { renderDiffTerminal } from './render-terminal.ts';
import type { CardOptions } from '../../emulator/src/card/card-options.ts';

async function run(seed: string, options: Partial<CardOptions> = {}): Promise<Trace> {
  return recordCardSession(createTraceTestCard(seed, options), (ch) => testFlow(ch, seed), {
    profile: 'trace-test',
  });
}

const classes = (r: DiffReport): string[] =>
  r.pairs.map((p) => `${p.a?.seqs.join('+') ?? '-'}/${p.b?.seqs.join('+') ?? '-'}:${p.class}`);

describe('trace diff', () => {
  it('two runs of the same flow with different seeds are identical or same after normalisation, naming the rules', async () => {
    const [a, b] = [await run('seed-one'), await run('seed-two')];
    const r = diffTraces(a, b);
    expect(r.divergences).toBe(0);
    expect(r.counts['same-after-normalisation']).toBe(4);
    expect(r.counts.identical).toBe(6);
    const byRule = Object.fromEntries(r.rulesApplied.map((x) => [x.id, x.pairs]));
    expect(byRule).toEqual({ challenge: 1, 'sm-wire': 3 });
    // The wire bytes really differ (random challenge, session keys): normalisation is doing work.
    const wire = (t: Trace): string[] =>
      t.records
        .filter((x): x is TraceExchange => x.type === 'exchange')
        .map((x) => x.command + x.response);
    expect(wire(a).filter((w, i) => w !== wire(b)[i]).length).toBe(4);
  });

  it('a different personality shows its specific divergences (EOF answered 9000 instead of 6282; 16-byte READ BINARY cap)', async () => {
    const base = await run('seed-one');
    const eof = diffTraces(base, await run('seed-two', { readBeyondEof: '9000' }));
    expect(
      eof.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}:${p.detail}`),
    ).toEqual(['11:different-sw:SW 6282 ≠ 9000']);
    const capped = diffTraces(base, await run('seed-one', { readBinaryMax: 16 }));
    expect(
      capped.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}:${p.detail}`),
    ).toEqual(['10:different-length:response data 20 ≠ 16 bytes']);
  });

  it('an altered trace (one SW changed, one exchange removed) is reported exactly', async () => {
    const a = await run('seed-one');
    const records: TraceRecord[] = a.records
      .map((x) => (x.type === 'exchange' && x.seq === 4 ? { ...x, response: '6A82' } : x))
      .filter((x) => x.seq !== 6);
    const r = diffTraces(a, { header: a.header, records }, { nameA: 'original', nameB: 'altered' });
    expect(r.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}`)).toEqual([
      '4:different-sw',
      '6:only-in-a',
    ]);
    expect(r.divergences).toBe(2);
    expect(r.counts.identical).toBe(8);
    const text = renderDiffTerminal(r, false);
    expect(text).toContain('different-sw');
    expect(text).toContain('SW 9000 ≠ 6A82');
    expect(text).toContain('2 divergence(s)');
  });

  it('robust to an inserted exchange: an extra GET RESPONSE (61xx personality) and a retry after a transport error', async () => {
    const a = await run('seed-one');
    const b = await run('seed-two', { longResponses: '61xx', maxResponseData: 8 });
    const r = diffTraces(a, b);
    expect(r.divergences).toBe(0);
    expect(r.rulesApplied.map((x) => x.id)).toContain('get-response-chain');
    // Insert a failed transmission of exchange 5 right before it in B: the retry rule merges it.
    const withRetry: TraceRecord[] = [];
    for (const x of a.records) {
      if (x.type === 'exchange' && x.seq === 5)
        withRetry.push({
          ...x,
          seq: 1000,
          response: '',
          incomplete: true,
          notes: ['transmit failed: [TIMEOUT]'],
        });
      withRetry.push(x);
    }
    const renumbered = withRetry.map((x, i) => ({ ...x, seq: i + 1 }));
    const r2 = diffTraces(a, { header: a.header, records: renumbered });
    expect(r2.divergences).toBe(0);
    expect(r2.rulesApplied.map((x) => x.id)).toContain('transport-retry');
    expect(classes(r2)).toContain(
      '5/5+6:identical'.replace(':identical', ':same-after-normalisation'),
    );
  });

  it('alignment survives a command only B sends, without shifting later pairs', async () => {
    const a = await run('seed-one');
    const extra: TraceRecord = {
      type: 'exchange',
      seq: 1,
      tStart: 0,
      tEnd: 0,
      command: '00A4000C022F00',
      response: '9000',
    };
    const records = [a.records[0] as TraceRecord, extra, ...a.records.slice(1)].map((x, i) => ({
      ...x,
      seq: i + 1,
    }));
    const r = diffTraces(a, { header: a.header, records });
    expect(r.pairs.filter((p) => p.divergent).map((p) => `${p.b?.seqs[0]}:${p.class}`)).toEqual([
      '2:only-in-b',
    ]);
    expect(r.pairs.filter((p) => p.class === 'identical').length).toBe(10);
  });
});
