/**
 * Client-side capture through a real PC/SC stack (what `ciebench trace record --reader`
 * does with a physical card): the IAS login flow over pcscd and the CIE Bench reader
 * driver, behind the last-try PIN guard, recorded by a RecordingChannel. The trace carries the wire
 * form of every exchange, the plain form of the protected ones (from the terminal's keys), the PIN
 * masked, and annotates and re-reads cleanly. Skips loudly without pcscd; fails under
 * CIE_REQUIRE_INTEGRATION=1.
 */
import { describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { PcscChannel } from '../../harness/pcsc/pcsc-channel.ts';
import { PinGuardChannel } from '../../harness/pcsc/pin-guard.ts';
import { insertCard, integrationGate, reportGate } from '../../harness/pcsc/testing/integration.ts';
import { CIEBENCH_READER, readerName } from '../../harness/transport/endpoints.ts';
import { annotateTrace } from '../annotate/annotate.ts';
import { diffTraces } from '../diff/diff.ts';
import { findFlow } from './flows.ts';
import { recordCardSession, recordChannelSession } from './record-session.ts';
import './terminal-flows.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';

const SLOT = 0;
const reader = readerName(CIEBENCH_READER, SLOT);
const gate = await integrationGate({ readers: [reader] });
reportGate('trace record over pcscd + CIE Bench driver', gate);

describe.skipIf(!gate.ok)(`trace record through PcscChannel + ${reader}`, () => {
  it('records the IAS login client side: wire and plain forms, PIN masked; matches an emulator-side run after normalisation', async () => {
    const flow = findFlow('ias-login');
    if (!flow) throw new Error('ias-login flow not registered');
    const inserted = await insertCard(
      gate.binding!,
      CIEBENCH_READER,
      { kind: 'default' },
      { slot: SLOT },
    );
    let trace;
    try {
      const channel = new PinGuardChannel(new PcscChannel({ reader, binding: gate.binding! }));
      trace = await recordChannelSession(channel, (ch) => flow.run(ch, []), {
        profile: 'unknown',
        transport: 'pcsc',
      });
    } finally {
      await inserted.remove();
    }
    expect(trace.header).toMatchObject({
      transport: 'pcsc',
      recordedBy: 'terminal',
      secrets: 'masked',
    });
    const exchanges = trace.records.flatMap((r) => (r.type === 'exchange' ? [r] : []));
    const pin = defaultCardImage().state.pin.value;
    expect(JSON.stringify(trace)).not.toContain(Buffer.from(pin).toString('hex').toUpperCase());
    const verify = exchanges.find((x) => x.plainCommand?.startsWith('0020008108'));
    expect(verify?.plainCommand).toBe(`0020008108${'2A'.repeat(8)}`);
    expect(
      exchanges
        .filter((x) => x.command.startsWith('0C') || x.command.startsWith('1C'))
        .every((x) => x.plainCommand !== undefined),
    ).toBe(true);
    expect(annotateTrace(trace).items.length).toBeGreaterThan(exchanges.length);
    // The same flow recorded at the card boundary in-process: only normalised differences.
    const local = await recordCardSession(
      cieCardFromImage(defaultCardImage()).card,
      (ch) => flow.run(ch, []),
      { profile: 'nxp' },
    );
    const d = diffTraces(local, trace);
    expect(
      d.pairs
        .filter((p) => p.divergent)
        .map((p) => `${p.a?.seqs[0] ?? '-'}/${p.b?.seqs[0] ?? '-'} ${p.class} ${p.detail}`),
    ).toEqual([]);
  });
});
