/**
 * Client-side recording: the RecordingChannel writes every exchange once, in
 * the trace format, with µs timings around the inner transmit, power events with the ATR, plain
 * forms reported by an SM layer, masked PINs, and an incomplete exchange when the transmit fails.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { ChannelError, type ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { parseTrace } from '../format/read.ts';
import type { TraceExchange } from '../format/schema.ts';
import { MemorySink, TraceWriter } from '../format/write.ts';
import { createTraceTestCard } from '../testing/test-cards.ts';
import { testFlow } from '../testing/test-flows.ts';
import { recordCardSession, recordChannelSession } from './record-session.ts';
import { RecordingChannel } from './recording-channel.ts';

/** A channel whose card takes 700 µs per command on a manual clock, and fails on demand. */
class SlowChannel implements ApduChannel {
  readonly kind = 'pcsc';
  readonly description = 'scripted';
  failNext = false;
  private readonly clock: ManualClock;
  constructor(clock: ManualClock) {
    this.clock = clock;
  }
  async connect(): Promise<Uint8Array> {
    return Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  }
  async transmit(c: Uint8Array): Promise<Uint8Array> {
    this.clock.advance(700);
    if (this.failNext) throw new ChannelError('CARD_REMOVED', 'card removed');
    return c[1] === 0x20 ? Uint8Array.of(0x63, 0xc2) : Uint8Array.of(0x90, 0x00);
  }
  async reset(): Promise<Uint8Array> {
    return this.connect();
  }
  async close(): Promise<void> {}
}

describe('RecordingChannel', () => {
  it('records exchanges with µs timings, power events, masked PIN, and a failed transmit as incomplete', async () => {
    const clock = new ManualClock();
    const inner = new SlowChannel(clock);
    const sink = new MemorySink();
    const ch = new RecordingChannel(inner, new TraceWriter(sink.write), {
      profile: 'physical',
      clock,
    });
    await ch.connect();
    await ch.transmit(Uint8Array.from([0x00, 0xa4, 0x00, 0x0c, 0x02, 0x3f, 0x00]));
    clock.advance(50);
    await ch.transmit(
      Uint8Array.from([
        0x00, 0x20, 0x00, 0x81, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
      ]),
    );
    inner.failNext = true;
    await expect(ch.transmit(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08))).rejects.toThrow(
      'card removed',
    );
    await ch.close();
    const t = parseTrace(sink.text());
    expect(t.header.recordedBy).toBe('terminal');
    expect(t.header.transport).toBe('pcsc');
    const ex = t.records.filter((r): r is TraceExchange => r.type === 'exchange');
    expect(ex.map((e) => [e.tStart, e.tEnd])).toEqual([
      [0, 700],
      [750, 1450],
      [1450, 2150],
    ]);
    expect(ex[1]?.command).toBe('00200081082A2A2A2A2A2A2A2A');
    expect(ex[1]?.masked?.[0]?.reason).toBe('VERIFY reference data (PIN/PUK)');
    expect(ex[2]).toMatchObject({
      incomplete: true,
      response: '',
      notes: ['transmit failed: [CARD_REMOVED] card removed'],
    });
    expect(
      t.records.filter((r) => r.type === 'event').map((r) => (r.type === 'event' ? r.kind : '')),
    ).toEqual(['power-on', 'power-off']);
  });

  it('client-side and emulator-side recordings of the same SM session agree, plain forms included', async () => {
    const seed = 'both-sides';
    const card = createTraceTestCard(seed);
    const sink = new MemorySink();
    const { attachRecorder } = await import('./card-recorder.ts');
    const cardSide = new TraceWriter(sink.write);
    const rec = attachRecorder(card, cardSide, { profile: 'trace-test', transport: 'in-process' });
    const client = await recordChannelSession(
      new InProcessChannel(card),
      (ch) => testFlow(ch, seed),
      { profile: 'trace-test' },
    );
    rec.detach();
    const emulator = parseTrace(sink.text());
    const strip = (x: TraceExchange): unknown => ({
      command: x.command,
      response: x.response,
      plainCommand: x.plainCommand,
      plainResponse: x.plainResponse,
    });
    const a = client.records.filter((r): r is TraceExchange => r.type === 'exchange').map(strip);
    const b = emulator.records.filter((r): r is TraceExchange => r.type === 'exchange').map(strip);
    expect(a).toEqual(b);
    expect(
      a.filter((x) => (x as { plainCommand?: string }).plainCommand !== undefined).length,
    ).toBe(3);
  });

  it('an emulator-side recording masks the PIN too and is readable', async () => {
    const t = await recordCardSession(
      createTraceTestCard('pin'),
      async (ch) => {
        await ch.transmit(
          Uint8Array.from([
            0x00, 0x20, 0x00, 0x81, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
          ]),
        );
      },
      { profile: 'trace-test' },
    );
    const ex = t.records.find((r): r is TraceExchange => r.type === 'exchange');
    expect(ex?.command).toBe('00200081082A2A2A2A2A2A2A2A');
  });
});
