/** The emulator-side recorder: one record per exchange at the card boundary, secrets masked. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { parseCommandApdu, encodeCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { createIsoTestCard } from '../../emulator/src/profiles/iso-test-card.ts';
import { wrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import { smSession } from '../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import { createSmTestCard, START_SM_APDU } from '../../emulator/src/profiles/sm-test-card.ts';
import { parseTrace } from '../format/read.ts';
import { MemorySink, TraceWriter } from '../format/write.ts';
import { attachRecorder } from './card-recorder.ts';

describe('card recorder', () => {
  it('records power events and every exchange exactly once, with relative µs timings', () => {
    const clock = new ManualClock();
    const card = createIsoTestCard({ strict: true, clock });
    const sink = new MemorySink();
    const rec = attachRecorder(card, new TraceWriter(sink.write), {
      profile: 'iso-test',
      transport: 'in-process',
      clock,
    });
    card.powerOn();
    clock.advance(10);
    card.transmit(fromHex('00A4000C023F00'));
    card.transmit(fromHex('00B0000001'));
    rec.detach();
    card.transmit(fromHex('00A4000C023F00'));
    const t = parseTrace(sink.text());
    expect(t.header).toMatchObject({
      profile: 'iso-test',
      transport: 'in-process',
      recordedBy: 'card',
      secrets: 'masked',
      atr: '3B80800101',
    });
    expect(
      t.records.map((r) => (r.type === 'event' ? r.kind : `${r.command}>${r.response}`)),
    ).toEqual(['power-on', '00A4000C023F00>9000', '00B0000001>6986']);
    const x = t.records[1];
    expect(x?.type === 'exchange' && x.tStart).toBe(10);
    expect(x?.type === 'exchange' && x.notes?.join()).toBeFalsy();
    expect(t.records[2]?.type === 'exchange' && t.records[2].notes?.join()).toContain('SW_6986');
  });

  it('masks a plain VERIFY unless secrets are revealed', () => {
    for (const reveal of [false, true]) {
      const card = createIsoTestCard({ strict: true });
      const sink = new MemorySink();
      attachRecorder(card, new TraceWriter(sink.write), {
        profile: 'iso-test',
        transport: 'in-process',
        revealSecrets: reveal,
      });
      card.powerOn();
      card.transmit(fromHex('00200081083132333435363738'));
      const x = parseTrace(sink.text()).records[1];
      if (x?.type !== 'exchange') throw new Error('no exchange');
      expect(x.command).toBe(reveal ? '00200081083132333435363738' : `0020008108${'2A'.repeat(8)}`);
      expect(x.masked ?? []).toHaveLength(reveal ? 0 : 1);
    }
  });

  it('records both the wire and the plain form of a secure-messaging exchange, masking the plain PIN', () => {
    const session = () =>
      smSession(des3Suite, new Uint8Array(16).fill(3), new Uint8Array(16).fill(4));
    const card = createSmTestCard({ mfChildren: [], session });
    const sink = new MemorySink();
    attachRecorder(card, new TraceWriter(sink.write), {
      profile: 'sm-test',
      transport: 'in-process',
    });
    card.powerOn();
    card.transmit(START_SM_APDU);
    const wrapped = encodeCommandApdu(
      wrapCommand(session(), parseCommandApdu(fromHex('00200081083132333435363738'))).apdu,
    );
    card.transmit(wrapped);
    const x = parseTrace(sink.text()).records.at(-1);
    if (x?.type !== 'exchange') throw new Error('no exchange');
    expect(x.command).toBe(toHex(wrapped));
    expect(x.plainCommand).toBe(`0020008108${'2A'.repeat(8)}`);
    expect(x.plainResponse).toBe('6D00');
    expect(x.masked).toEqual([
      { field: 'plainCommand', offset: 5, length: 8, reason: 'VERIFY reference data (PIN/PUK)' },
    ]);
  });
});
