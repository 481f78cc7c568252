/**
 * The emulator-side recorder: one trace record per exchange, taken at the card boundary from the
 * card's own exchange events, so each exchange is recorded exactly once whatever the transport
 * (DESIGN.md §2; JMRTD's duplicate `WrappedAPDUEvent` bug is the warning).
 */
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { ExchangeEvent, ObservableCard, PowerEvent } from '../../emulator/src/card/card.ts';
import { systemClock, type Clock } from '../../emulator/src/crypto/clock.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import {
  maskBytes,
  maskSecretsInText,
  secretRanges,
} from '../../emulator/src/apdu/secret-masking.ts';
import type { MaskedRange, TraceTransport } from '../format/schema.ts';
import type { TraceWriter } from '../format/write.ts';

export interface RecorderOptions {
  readonly profile: string;
  readonly transport: TraceTransport;
  readonly revealSecrets?: boolean;
  readonly description?: string;
  readonly clock?: Clock;
}

export interface Recorder {
  /** Stops recording (the writer stays open). */
  detach(): void;
}

export function attachRecorder(
  card: ObservableCard,
  writer: TraceWriter,
  options: RecorderOptions,
): Recorder {
  const clock = options.clock ?? systemClock;
  const reveal = options.revealSecrets ?? false;
  const t0 = clock.nowMicros();
  const rel = (t: number): number => Math.max(0, Math.round(t - t0));
  writer.header({
    type: 'header',
    format: 'ciebench-trace',
    version: 1,
    profile: options.profile,
    transport: options.transport,
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    startedAt: clock.now().toISOString(),
    recordedBy: 'card',
    secrets: reveal ? 'revealed' : 'masked',
    atr: toHex(card.atr),
    ...(options.description ? { description: options.description } : {}),
  });

  const exchange = (e: ExchangeEvent): void => {
    const masked: MaskedRange[] = [];
    const mask = (field: 'command' | 'plainCommand', bytes: Uint8Array): string => {
      if (reveal) return toHex(bytes);
      const ranges = secretRanges(bytes);
      for (const r of ranges) masked.push({ field, ...r });
      return toHex(maskBytes(bytes, ranges));
    };
    const command = mask('command', e.command);
    const plainCommand = e.plainCommand ? mask('plainCommand', e.plainCommand) : undefined;
    const notes = e.notes.map((n) => (reveal ? n : maskSecretsInText(n)));
    writer.exchange({
      tStart: rel(e.tStart),
      tEnd: rel(e.tEnd),
      command,
      response: toHex(e.response),
      ...(plainCommand !== undefined ? { plainCommand } : {}),
      ...(e.plainResponse ? { plainResponse: toHex(e.plainResponse) } : {}),
      ...(masked.length > 0 ? { masked } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    });
  };
  const power = (e: PowerEvent): void => {
    writer.event({ t: rel(e.t), kind: e.kind, ...(e.atr ? { atr: toHex(e.atr) } : {}) });
  };
  const detach = card.observe({ exchange, power });
  return { detach };
}
