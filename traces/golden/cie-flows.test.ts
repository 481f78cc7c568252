/**
 * Trace diff on the CIE eMRTD personality: two runs of the main eMRTD flow (PACE-CAN,
 * then EF.COM, DG1, EF.SOD under SM) for two different citizens/seeds are identical or same after
 * normalisation, each rule named; the 8-byte-nonce personality shows exactly its divergence (GA
 * step 1 response 12 ≠ 20 bytes). The CIE golden flow is reproduced exactly and replays against
 * another citizen's card (PACE re-established with that card's CAN) without unexplained
 * divergence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { generateCitizen } from '../../emulator/src/personalise/citizen.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { readAllowList } from '../diff/allow-list.ts';
import { diffTraces } from '../diff/diff.ts';
import { parseTrace } from '../format/read.ts';
import { serializeTrace } from '../format/write.ts';
import { cieCardWithNonce } from '../testing/cie-golden.ts';
import { DEFAULT_CARD_SEED } from '../../emulator/src/profiles/default-card-image.ts';
import { paceEstablisher } from '../replay/pace-establisher.ts';
import { replayTrace } from '../replay/replay.ts';
import { CIE_GOLDEN_FILE, recordCieFlow } from '../testing/cie-golden.ts';
import { GOLDEN_DIR } from '../testing/golden.ts';

const first = await recordCieFlow(DEFAULT_CARD_SEED);
const allowList = readAllowList(join(GOLDEN_DIR, 'allow-list.json'));

describe('CIE eMRTD flow: diff and golden', () => {
  it('two citizens (seeds): no divergence; the named rules account for every difference', async () => {
    const r = diffTraces(first, await recordCieFlow('citizen-two'));
    expect(r.divergences).toBe(0);
    expect(r.counts.identical).toBe(4);
    expect(r.counts['same-after-normalisation']).toBe(11);
    expect(r.rulesApplied.map((x) => x.id).sort()).toEqual(['card-unique-data', 'holder-data', 'pace-nonce', 'pace-public-keys', 'pace-tokens', 'read-chunks', 'sm-wire']);
  });

  it('the 8-byte-nonce personality: exactly one divergence, at GA step 1', async () => {
    const r = diffTraces(first, await recordCieFlow(DEFAULT_CARD_SEED, 8));
    expect(r.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}:${p.detail}`)).toEqual(['6:different-length:response data 20 ≠ 12 bytes']);
  });

  it('the CIE golden trace is reproduced exactly by a fresh run', async () => {
    const path = join(GOLDEN_DIR, CIE_GOLDEN_FILE);
    expect(existsSync(path), `${CIE_GOLDEN_FILE} missing: run npx tsx traces/testing/generate-goldens.ts`).toBe(true);
    expect(serializeTrace(first)).toBe(readFileSync(path, 'utf8'));
  });

  it('the CIE golden replays on another citizen\'s card, PACE re-established: no unexplained divergence', async () => {
    const source = parseTrace(readFileSync(join(GOLDEN_DIR, CIE_GOLDEN_FILE), 'utf8'));
    const target = cieCardWithNonce(16, 'replay-citizen');
    const r = await replayTrace(source, new InProcessChannel(target.card), {
      profile: 'cie-emrtd-nonce16',
      establisher: paceEstablisher(generateCitizen('replay-citizen').can, seededRng('replay-terminal')),
    });
    expect(r.established).toEqual(['pace']);
    const d = diffTraces(source, r.trace, { nameA: 'cie-emrtd-pace-read.trace.jsonl', allowList });
    expect(d.pairs.filter((p) => p.divergent).map((p) => `${p.a?.seqs[0]}:${p.class}:${p.detail}`)).toEqual([]);
    expect(d.counts['same-after-normalisation']).toBeGreaterThanOrEqual(10);
  });
});
