/**
 * The real-card PACE fragment (real-card/real-trace-pace-2018.txt,
 * golden/real-card/pace-2018.trace.jsonl) replays against the CIE eMRTD personality with the
 * 16-byte PACE nonce with only normalised differences; against the 8-byte variant the diff shows
 * exactly the expected divergence (GA step 1 response 20 ≠ 12 bytes). The fragment's GA step 2
 * is cut inside its command in the source: it cannot be resent and is reported `incomplete`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { readAllowList } from '../diff/allow-list.ts';
import { diffTraces } from '../diff/diff.ts';
import { readTraceFile } from '../format/read.ts';
import { cieCardWithNonce } from '../testing/cie-golden.ts';
import { replayTrace } from '../replay/replay.ts';
import { GOLDEN_DIR } from '../testing/golden.ts';


const source = readTraceFile(join(GOLDEN_DIR, 'real-card/pace-2018.trace.jsonl'));
const allowList = readAllowList(join(GOLDEN_DIR, 'allow-list.json'));
const row = (p: { a?: { seqs: readonly number[] }; b?: { seqs: readonly number[] }; class: string; rules: readonly string[] }): string =>
  `${p.a?.seqs.join('+') ?? '-'}/${p.b?.seqs.join('+') ?? '-'} ${p.class}${p.rules.length ? ` {${p.rules.join(',')}}` : ''}`;

describe('real-card PACE fragment replayed on the emulated CIE', () => {
  it('16-byte nonce variant: identical or normalised only (pace-nonce), GA step 2 incomplete in the source', async () => {
    const r = await replayTrace(source, new InProcessChannel(cieCardWithNonce(16).card), { profile: 'cie-emrtd-nonce16' });
    expect(r.skipped).toEqual([{ seq: 13, reason: 'incomplete in the source (cut short): nothing to resend' }]);
    const d = diffTraces(source, r.trace, { nameA: 'pace-2018.trace.jsonl', allowList });
    expect(d.pairs.map(row)).toEqual(['2/2 identical', '3/3 identical', '4/4 identical', '6/5 identical', '7/6 same-after-normalisation {pace-nonce}', '13/- incomplete']);
    expect(d.divergences).toBe(0);
    expect(d.explained).toBe(0);
  });

  it('8-byte nonce variant: the diff reports exactly the shorter nonce', async () => {
    const r = await replayTrace(source, new InProcessChannel(cieCardWithNonce(8).card), { profile: 'cie-emrtd-nonce8' });
    const d = diffTraces(source, r.trace, { nameA: 'pace-2018.trace.jsonl', allowList });
    expect(d.pairs.filter((p) => p.divergent).map((p) => `${row(p)} ${p.detail}`)).toEqual(['7/6 different-length {pace-nonce} response data 20 ≠ 12 bytes']);
  });
});
