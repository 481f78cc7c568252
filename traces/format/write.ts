/**
 * Writing traces. A {@link TraceWriter} validates every record before it reaches the sink, so a
 * trace on disk is always readable by {@link parseTrace}.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import {
  traceExchangeSchema,
  traceEventSchema,
  traceHeaderSchema,
  type Trace,
  type TraceEvent,
  type TraceExchange,
  type TraceHeader,
  type TraceRecord,
} from './schema.ts';

export type LineSink = (line: string) => void;

export class TraceWriter {
  private readonly sink: LineSink;
  private seq = 0;
  private headerWritten = false;

  constructor(sink: LineSink) {
    this.sink = sink;
  }

  header(h: TraceHeader): void {
    if (this.headerWritten) throw new Error('trace header written twice');
    this.sink(JSON.stringify(traceHeaderSchema.parse(h)));
    this.headerWritten = true;
  }

  /** Next sequence number (records are numbered in the order they are written). */
  nextSeq(): number {
    return ++this.seq;
  }

  exchange(r: Omit<TraceExchange, 'type' | 'seq'>): void {
    this.write(traceExchangeSchema.parse({ type: 'exchange', seq: this.nextSeq(), ...r }));
  }

  event(r: Omit<TraceEvent, 'type' | 'seq'>): void {
    this.write(traceEventSchema.parse({ type: 'event', seq: this.nextSeq(), ...r }));
  }

  private write(r: TraceRecord): void {
    if (!this.headerWritten) throw new Error('trace record before the header');
    this.sink(JSON.stringify(r));
  }
}

/** Collects lines in memory (tests, and traces that are post-processed before saving). */
export class MemorySink {
  readonly lines: string[] = [];
  readonly write: LineSink = (line) => {
    this.lines.push(line);
  };
  text(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }
}

/** Appends lines to a file through a stream; `close()` flushes. */
export class FileSink {
  private readonly stream: WriteStream;
  readonly write: LineSink;
  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.write = (line) => {
      this.stream.write(`${line}\n`);
    };
  }
  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}

export function serializeTrace(trace: Trace): string {
  return [trace.header, ...trace.records].map((r) => `${JSON.stringify(r)}\n`).join('');
}
