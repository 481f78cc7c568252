/**
 * PC/SC part of the conformance runs: the whole conformance suite (ISO 7816, CIE IAS, eMRTD) runs on
 * the default emulated CIE through pcscd and the project's vpcd-protocol reader driver
 * ("CIE Bench Virtual Reader", slot 1), with the same cases as in-process — one suite, many
 * channels (DESIGN.md rule 9). The reports (JUnit, JSON, HTML) are written to
 * $CONFORMANCE_REPORT_DIR (default reports/conformance-pcsc, git-ignored) and the JUnit path is printed.
 *
 * Physical-card safety is on as for a real reader: the target is not disposable, so the tries
 * budget keeps one PIN/PUK try (cases that would block the PIN are skipped, not failed) and the
 * irreversible PUK-blocking case is skipped. Skips loudly without pcscd/driver; fails under
 * CIE_REQUIRE_INTEGRATION=1.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcscChannel } from '../../harness/pcsc/pcsc-channel.ts';
import {
  insertCard,
  integrationGate,
  reportGate,
  type InsertedCard,
} from '../../harness/pcsc/testing/integration.ts';
import { CIEBENCH_READER, readerName } from '../../harness/transport/endpoints.ts';
import { resolveTarget } from './targets.ts';
import { writeReports } from './reports/write-reports.ts';
import { runConformance } from '../suites/run-conformance.ts';
import { KNOWN_DEFECTS } from '../suites/known-defects.ts';

const SLOT = 1;
const reader = readerName(CIEBENCH_READER, SLOT);
const gate = await integrationGate({ readers: [reader] });
reportGate('conformance suite over pcscd + CIE Bench driver', gate);

describe.skipIf(!gate.ok)(`conformance suite over PcscChannel + ${reader}`, () => {
  let inserted: InsertedCard | undefined;
  afterAll(async () => {
    await inserted?.remove();
  });

  it('runs every suite on the default CIE through pcscd: no failure beyond the reported defects, nothing inconclusive', async () => {
    const inproc = await resolveTarget('inproc:cie');
    // The default card (createDefaultCard) is the `cie` target: same image, same composition. It runs
    // in a worker thread: a card served by the event loop that also makes the binding's synchronous
    // PC/SC calls can deadlock with pcscd's presence poll (harness/pcsc/README.md).
    inserted = await insertCard(
      gate.binding!,
      CIEBENCH_READER,
      { kind: 'default' },
      { slot: SLOT },
    );
    const channel = new PcscChannel({ reader, binding: gate.binding! });
    const run = await runConformance({
      target: { ...inproc, target: { description: `pcsc: ${reader}`, channel, tokens: [] } },
      destructive: true,
    });
    const dir = resolve(process.env['CONFORMANCE_REPORT_DIR'] ?? 'reports/conformance-pcsc');
    const paths = await writeReports(run, dir);
    console.log(
      `conformance over PC/SC: ${run.summary.total} cases, ${JSON.stringify(run.summary.counts)}\nJUnit report: ${paths.junit}\nHTML report:  ${paths.html}`,
    );
    const failed = run.results.filter((r) => r.verdict === 'failed').map((r) => r.id);
    expect(
      failed.filter((id) => !KNOWN_DEFECTS.has(id)),
      'failures beyond the reported defects',
    ).toEqual([]);
    expect(
      run.results.filter((r) => r.verdict === 'inconclusive').map((r) => `${r.id}: ${r.reason}`),
    ).toEqual([]);
    expect(run.summary.counts.passed).toBeGreaterThan(400);
  });
});
