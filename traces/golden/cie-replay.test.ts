/**
 * Real CIE traces from public sources (committed in real-card/, each with a `#` header naming its
 * source) replayed against the emulated CIE on the personality that fits, and diffed:
 *
 * | trace | source | personality | what it shows |
 * |---|---|---|---|
 * | real-trace-pace-2018.txt (pace-2018.trace.jsonl) | italia/cie-mrtd-dotnet-sdk#8 | nxp (16-byte nonce) | PACE start; GA step 2 cut in the source |
 * | cie-mrtd-example-app-1_CIE3_PACE_2023.txt | italia/cie-mrtd-example-app#1 | bit4id (8-byte nonce) | the same on a 2023 card |
 * | cie-PN532-3_CIE3_NIS_reader_2018.txt | italia/cie-PN532#3 | stm (EF.ATR ≥ 61 bytes) | NIS reads over a PN532, status words only |
 * | cie-PN532-5_CIE_selectIAS_6A82_2019.txt | italia/cie-PN532#5 | stm + fault iasAidSelect: not-found | SELECT IAS AID → 6A82 |
 * | pagopa-cie-sdk-android_CieCommandsTest_NIS_fixture.hex.txt | pagopa/cie-sdk-android CieCommandsTest.kt | nxp | B0 past the end → 39 bytes + 9000; last EF.SOD B1 chunk 6282 |
 * | EF.ATR read-outs (emulator/src/profiles/real-card/ef-atr-readouts.txt) | pagopa/io-cie-ios-sdk IAS.mm | nxp, gemalto2 | READ BINARY Le 80 past the end → data + 9000 |
 *
 * The PACE nonce length comes from the trace's first GA step 1 answer (traces/replay/pace-nonce.ts).
 * Only per-card data differs (normalisation rules); the one allow-listed divergence is a mock answer
 * of the pagopa unit test, not card behaviour.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { resolveCardSpec, type CardRuntime } from '../../harness/cards/card-registry.ts';
import { packageFile } from '../../emulator/src/package-root.ts';
import { readAllowList } from '../diff/allow-list.ts';
import { diffTraces, type DiffReport } from '../diff/diff.ts';
import { readTraceFile } from '../format/read.ts';
import type { Trace } from '../format/schema.ts';
import { importLogFile } from '../import/import.ts';
import { importLog } from '../import/import.ts';
import { detectPaceNonceLength } from '../replay/pace-nonce.ts';
import { replayTrace } from '../replay/replay.ts';
import { GOLDEN_DIR } from '../testing/golden.ts';

const REAL = (name: string): string => join(GOLDEN_DIR, 'real-card', name);
const allowList = readAllowList(join(GOLDEN_DIR, 'allow-list.json'));
const row = (p: DiffReport['pairs'][number]): string =>
  `${p.a?.seqs.join('+') ?? '-'}/${p.b?.seqs.join('+') ?? '-'} ${p.class}${p.rules.length ? ` {${p.rules.join(',')}}` : ''}`;

/** Replays `source` on personality `card` (registry spec); the nonce length read from the trace unless `nonce` is false. */
async function replayOn(source: Trace, name: string, card: string, o: { nonce?: boolean; runtime?: CardRuntime } = {}): Promise<DiffReport> {
  const detected = o.nonce === false ? undefined : detectPaceNonceLength(source);
  const recipe = resolveCardSpec(card);
  const runtime: CardRuntime = { ...o.runtime, ...(detected ? { emrtd: { paceNonceLength: detected.length } } : {}) };
  const r = await replayTrace(source, new InProcessChannel(recipe.create(runtime)), { profile: card });
  return diffTraces(source, r.trace, { nameA: name, allowList });
}
const divergent = (d: DiffReport): string[] => d.pairs.filter((p) => p.divergent).map((p) => `${row(p)} ${p.detail}`);

describe('PACE nonce length: a personality attribute, read by replay from the trace', () => {
  it('the 2018 log shows a 16-byte nonce, the 2023 log an 8-byte one', () => {
    expect(detectPaceNonceLength(readTraceFile(REAL('pace-2018.trace.jsonl')))).toEqual({ length: 16, seq: 7 });
    expect(detectPaceNonceLength(importLogFile(REAL('cie-mrtd-example-app-1_CIE3_PACE_2023.txt')).trace)).toEqual({ length: 8, seq: 7 });
  });
});

describe('real-card PACE fragments (2018, 2023)', () => {
  const p2018 = readTraceFile(REAL('pace-2018.trace.jsonl'));
  it('2018 on nxp (16-byte nonce): identical or normalised only; GA step 2 incomplete in the source', async () => {
    const d = await replayOn(p2018, 'pace-2018.trace.jsonl', 'nxp');
    expect(d.pairs.map(row)).toEqual(['2/2 identical', '3/3 identical', '4/4 identical', '6/5 identical', '7/6 same-after-normalisation {pace-nonce}', '12/- incomplete']);
    expect(d.divergences).toBe(0);
  });
  it('2018 on an 8-byte personality (bit4id): no divergence when the length is read from the trace; exactly the nonce otherwise', async () => {
    expect((await replayOn(p2018, 'pace-2018.trace.jsonl', 'bit4id')).divergences).toBe(0);
    const d = await replayOn(p2018, 'pace-2018.trace.jsonl', 'bit4id', { nonce: false });
    expect(divergent(d)).toEqual(['7/6 different-length {pace-nonce} response data 20 ≠ 12 bytes']);
  });
  it('2023 on bit4id (8-byte nonce): no divergence; on nxp without the detected length, exactly the nonce', async () => {
    const p2023 = importLogFile(REAL('cie-mrtd-example-app-1_CIE3_PACE_2023.txt')).trace;
    const d = await replayOn(p2023, 'cie-mrtd-example-app-1_CIE3_PACE_2023.txt', 'bit4id');
    expect(d.divergences).toBe(0);
    expect(d.counts.identical).toBe(4);
    const wrong = await replayOn(p2023, 'cie-mrtd-example-app-1_CIE3_PACE_2023.txt', 'nxp', { nonce: false });
    expect(divergent(wrong)).toEqual([expect.stringMatching(/different-length \{pace-nonce\} response data 12 ≠ 20 bytes$/)]);
  });
});

describe('NIS reads over a PN532 reader (italia/cie-PN532 issues 3 and 5)', () => {
  it('italia/cie-PN532#3 (2018 card) on stm: every complete exchange has the same status word; the cut ones are incomplete', async () => {
    const src = importLogFile(REAL('cie-PN532-3_CIE3_NIS_reader_2018.txt')).trace;
    const d = await replayOn(src, 'cie-PN532-3_CIE3_NIS_reader_2018.txt', 'stm');
    expect(d.divergences).toBe(0);
    expect({ identical: d.counts.identical, normalised: d.counts['same-after-normalisation'], incomplete: d.counts.incomplete }).toEqual({ identical: 8, normalised: 10, incomplete: 5 });
    expect(d.rulesApplied.find((r) => r.id === 'sw-only-source')?.pairs).toBe(10);
  });
  it('italia/cie-PN532#3 does not fit nxp: its 49-byte EF.ATR ends before the offsets the 2018 card answered', async () => {
    const src = importLogFile(REAL('cie-PN532-3_CIE3_NIS_reader_2018.txt')).trace;
    const d = await replayOn(src, 'cie-PN532-3_CIE3_NIS_reader_2018.txt', 'nxp');
    expect(divergent(d).length).toBeGreaterThan(0);
    expect(divergent(d).every((x) => /different-sw/.test(x))).toBe(true);
  });
  it('italia/cie-PN532#5 (6A82 to SELECT IAS AID): matches the fault option iasAidSelect not-found, diverges without it', async () => {
    const src = importLogFile(REAL('cie-PN532-5_CIE_selectIAS_6A82_2019.txt')).trace;
    const faulty = await replayOn(src, 'cie-PN532-5_CIE_selectIAS_6A82_2019.txt', REAL('cie-ias-aid-not-found.card.json'));
    expect(faulty.pairs.map(row)).toEqual(['2/2 identical', '3/3 identical', '5/- incomplete']);
    const plain = await replayOn(src, 'cie-PN532-5_CIE_selectIAS_6A82_2019.txt', 'stm');
    expect(divergent(plain)).toEqual(['2/2 different-sw SW 6A82 ≠ 9000', '3/3 different-sw SW 6A82 ≠ 9000']);
  });
});

describe('the NIS flow fixture of pagopa/cie-sdk-android (CieCommandsTest.kt)', () => {
  const file = 'pagopa-cie-sdk-android_CieCommandsTest_NIS_fixture.hex.txt';
  it('imports with the edited pair (non-hex G) reported and left incomplete', () => {
    const r = importLogFile(REAL(file));
    expect(r.diagnostics.map((x) => `${x.line}:${x.code}`)).toEqual(['11:UNPARSABLE_RESPONSE']);
    expect(r.incomplete).toBe(1);
  });
  it('on nxp: B0 past the end 39 bytes + 9000, the last EF.SOD B1 chunk 6282; only per-card data differs (and one mock answer)', async () => {
    const src = importLogFile(REAL(file)).trace;
    const d = await replayOn(src, file, 'nxp');
    expect(d.divergences).toBe(0);
    const read = d.pairs.find((p) => p.a?.exchanges[0]?.command.hex === '00B085E700');
    expect(read?.a?.sw).toBe('9000');
    expect(read?.b?.sw).toBe('9000');
    expect(read?.b?.length).toBe(39);
    const sod = d.pairs.find((p) => p.rules.includes('read-chunks'));
    expect([sod?.a?.sw, sod?.b?.sw, sod?.class]).toEqual(['6282', '6282', 'same-after-normalisation']);
    expect(d.pairs.filter((p) => p.explained).map((p) => `${p.a?.key.slice(0, 8)} ${p.class}`)).toEqual(['00224100 different-sw']);
  });
});

describe('EF.ATR read-outs (pagopa/io-cie-ios-sdk IAS.mm): READ BINARY Le 80 past the end answers data + 9000', () => {
  const lines = readFileSync(packageFile('emulator', 'src', 'profiles', 'real-card', 'ef-atr-readouts.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('//'))
    .map((l) => l.replace(/^\/\/\s*/, '').replace(/\s*(\/\/ )?[A-Z]+\s*$/, '').replace(/ /g, ''));
  // The client's readfile loop (IAS.mm `IAS::readfile`): SELECT the EF, READ BINARY Le 80 from offset 0.
  const trace = (readout: string): Trace =>
    importLog(['# read-out of IAS.mm, with the SELECT and READ BINARY of IAS::readfile', 'C: 00A4020C022F01', 'R: 9000', 'C: 00B0000080', `R: ${readout}`].join('\n'), { format: 'hex' }).trace;
  it.each([
    ['nxp', 0],
    ['gemalto2', 1],
  ])('%s answers the read-out byte for byte', async (card, i) => {
    const readout = lines[i] as string;
    expect(readout.endsWith('9000')).toBe(true);
    const d = await replayOn(trace(readout), 'ef-atr-readouts.txt', card);
    expect(d.pairs.map(row)).toEqual(['1/2 identical', '2/3 identical']);
  });
});
