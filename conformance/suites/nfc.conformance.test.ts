/**
 * One suite, many channels (DESIGN.md rule 9: the same cases over the NFC endpoint): the
 * whole conformance suite on the default emulated CIE through the simulated NFC endpoint — a
 * WebSocket ISO-DEP session (harness/nfc) on loopback, reset = field off/on — with the same cases
 * and the same expectations as in-process. The path is not disposable, so the tries budget keeps
 * one PIN/PUK try (PIN-blocking cases are skipped there, not failed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NfcServer } from '../../harness/nfc/ws-server.ts';
import { WsNfcChannel } from '../../harness/nfc/ws-nfc-channel.ts';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { resolveTarget } from '../lib/targets.ts';
import { KNOWN_DEFECTS } from './known-defects.ts';
import { runConformance } from './run-conformance.ts';

describe('conformance suite over the simulated NFC endpoint (WebSocket ISO-DEP)', () => {
  let server: NfcServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('passes the same cases as in-process: no failure beyond the reported defects, nothing inconclusive', async () => {
    const card = resolveCardSpec('default').create();
    server = new NfcServer({ port: 0, card: () => card, exclusive: true });
    const { url } = await server.listen();
    const base = await resolveTarget('inproc:cie');
    const r = await runConformance({
      target: {
        ...base,
        target: { description: `nfc: ${url}`, channel: new WsNfcChannel(url), tokens: [] },
      },
      destructive: true,
    });
    const failed = r.results.filter((x) => x.verdict === 'failed').map((x) => x.id);
    expect(failed.filter((id) => !KNOWN_DEFECTS.has(id))).toEqual([]);
    expect(
      r.results.filter((x) => x.verdict === 'inconclusive').map((x) => `${x.id}: ${x.reason}`),
    ).toEqual([]);
    expect(r.summary.counts.passed).toBeGreaterThan(400);
    // Only the budget-protected PIN/PUK cases are skipped on a non-disposable path.
    expect(
      r.results
        .filter((x) => x.verdict === 'skipped')
        .every((x) => /tries budget|irreversible/.test(x.reason ?? '')),
    ).toBe(true);
  });
});
