/**
 * Golden traces: the imported real-card fragment is stable, each emulator golden is
 * reproduced exactly by a fresh run, and replaying each against a fresh card of its personality
 * (other seed) shows no divergence that the normalisation rules or `allow-list.json` do not
 * explain. The real fragment's replay against the CIE personality is in `cie-replay.test.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { annotateTrace } from '../annotate/annotate.ts';
import { readAllowList } from '../diff/allow-list.ts';
import { diffTraces } from '../diff/diff.ts';
import { parseTrace } from '../format/read.ts';
import { serializeTrace } from '../format/write.ts';
import { replayTrace } from '../replay/replay.ts';
import { EMULATOR_GOLDENS, GOLDEN_DIR, importReal2018 } from '../testing/golden.ts';

const allowList = readAllowList(join(GOLDEN_DIR, 'allow-list.json'));
const golden = (file: string): string => readFileSync(join(GOLDEN_DIR, file), 'utf8');

describe('golden: real-card PACE fragment (real-card/real-trace-pace-2018.txt)', () => {
  it('the stored golden is exactly a fresh import of the real log', () => {
    expect(golden('real-card/pace-2018.trace.jsonl')).toBe(serializeTrace(importReal2018()));
  });

  it('annotates as PACE-CAN with DH-GM-3DES and a 16-byte encrypted nonce', () => {
    const items = annotateTrace(parseTrace(golden('real-card/pace-2018.trace.jsonl'))).items.flatMap((i) => ('exchange' in i ? [i.exchange] : []));
    expect(items.map((x) => x.command.name)).toEqual(['SELECT', 'READ BINARY', 'READ BINARY', 'MSE', 'GENERAL AUTHENTICATE', 'GENERAL AUTHENTICATE']);
    expect(items[3]?.command.params).toContain('password CAN');
    expect(items[3]?.command.params).toContain('id-PACE-DH-GM-3DES-CBC-CBC');
    expect(items[4]?.response?.tlv?.[0]?.children?.[0]).toMatchObject({ tag: '80', length: 16 });
    expect(items[5]?.incomplete).toBe(true);
  });
});

describe.each(EMULATOR_GOLDENS)('golden: $file', (g) => {
  it('a fresh run reproduces the golden trace exactly', async () => {
    expect(serializeTrace(await g.record())).toBe(golden(g.file));
  });

  it('replayed against a fresh card of the same personality: no unexplained divergence', async () => {
    const source = parseTrace(golden(g.file));
    const { card, establisher, secrets } = g.replayTarget();
    const r = await replayTrace(source, new InProcessChannel(card), { profile: g.profile, ...(establisher ? { establisher } : {}), ...(secrets ? { secrets } : {}) });
    expect(r.skipped.filter((x) => !/^(session establishment|GET RESPONSE of the source)/.test(x.reason))).toEqual([]);
    const d = diffTraces(source, r.trace, { nameA: g.file.split('/').pop() as string, allowList });
    expect(d.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0] ?? '-'}/${p.b?.seqs[0] ?? '-'} ${p.class} ${p.detail}`)).toEqual([]);
    expect(d.counts.identical + d.counts['same-after-normalisation']).toBeGreaterThan(0);
  });
});
