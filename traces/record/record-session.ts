/**
 * Recording helpers: an emulator-side recording of an in-process session (both wire and plain
 * forms, taken at the card boundary by {@link attachRecorder}), and a client-side recording of
 * any channel through a {@link RecordingChannel}. Both return the trace in memory.
 */
import type { ObservableCard } from '../../emulator/src/card/card.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { parseTrace } from '../format/read.ts';
import type { Trace, TraceTransport } from '../format/schema.ts';
import { MemorySink, TraceWriter } from '../format/write.ts';
import { attachRecorder } from './card-recorder.ts';
import { RecordingChannel } from './recording-channel.ts';

export type SessionScript = (channel: ApduChannel) => Promise<void>;

export interface SessionOptions {
  readonly profile: string;
  readonly transport?: TraceTransport;
  readonly revealSecrets?: boolean;
  readonly description?: string;
  readonly clock?: Clock;
}

/** Runs `script` against `card` in-process with the emulator-side recorder attached. */
export async function recordCardSession(
  card: ObservableCard,
  script: SessionScript,
  o: SessionOptions,
): Promise<Trace> {
  const sink = new MemorySink();
  const writer = new TraceWriter(sink.write);
  const recorder = attachRecorder(card, writer, {
    profile: o.profile,
    transport: o.transport ?? 'in-process',
    ...(o.revealSecrets !== undefined ? { revealSecrets: o.revealSecrets } : {}),
    ...(o.description ? { description: o.description } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const channel = new InProcessChannel(card, o.profile);
  try {
    await channel.connect();
    await script(channel);
  } finally {
    await channel.close();
    recorder.detach();
  }
  return parseTrace(sink.text());
}

/** Runs `script` through a {@link RecordingChannel} around `inner` (client-side recording). */
export async function recordChannelSession(
  inner: ApduChannel,
  script: SessionScript,
  o: SessionOptions,
): Promise<Trace> {
  const sink = new MemorySink();
  const channel = new RecordingChannel(inner, new TraceWriter(sink.write), o);
  try {
    await channel.connect();
    await script(channel);
  } finally {
    await channel.close();
  }
  return parseTrace(sink.text());
}
