/**
 * The control socket (owner-only, next to the bridge socket): JSON lines for the people and
 * tools around the daemon — `pin` answers an open PIN request, `preset` gives the digits for the
 * next one (a client that signs synchronously, as OpenSSL's engine does, cannot answer while it
 * waits), `cancel` refuses one, `status` lists readers, tokens and open requests, `events` reads
 * the notices. One request per line, one
 * answer per line; every request is checked with zod; digits are never echoed.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { z } from 'zod';
import type { Backend } from './backend.ts';
import type { MiddlewareEvent } from './events.ts';
import type { PinEntry } from './pin-entry.ts';

const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('status') }).strict(),
  z
    .object({
      op: z.literal('pin'),
      id: z.string().max(64).optional(),
      digits: z.string().regex(/^\d{4}$/),
    })
    .strict(),
  z.object({ op: z.literal('preset'), digits: z.string().regex(/^\d{4}$/) }).strict(),
  z.object({ op: z.literal('cancel'), id: z.string().max(64).optional() }).strict(),
  z.object({ op: z.literal('events'), since: z.number().int().min(0).optional() }).strict(),
]);

export type ControlRequest = z.infer<typeof requestSchema>;

const MAX_LINE = 4096;

export interface ControlServerOptions {
  readonly path: string;
  readonly pins: PinEntry;
  readonly backend: Backend;
  readonly events: readonly MiddlewareEvent[];
}

async function status(o: ControlServerOptions): Promise<unknown> {
  await o.backend.slots.refresh(true).catch(() => undefined);
  return {
    slots: o.backend.slots.all().map((s) => ({
      slot: s.id,
      reader: s.reader,
      cie: s.present,
      ...(s.token
        ? {
            nis: s.token.nis,
            paired: s.token.pairing !== undefined,
            triesLeft: s.token.tries,
            ...(s.token.pairingProblem ? { pairingProblem: s.token.pairingProblem } : {}),
          }
        : {}),
    })),
    pinRequests: o.pins.pending(),
  };
}

async function handle(o: ControlServerOptions, line: string): Promise<unknown> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = requestSchema.safeParse(json);
  if (!r.success)
    return {
      ok: false,
      error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  switch (r.data.op) {
    case 'status':
      return { ok: true, ...((await status(o)) as object) };
    case 'pin':
      return { ok: o.pins.answer(r.data.id, r.data.digits) };
    case 'preset':
      o.pins.preset(r.data.digits);
      return { ok: true };
    case 'cancel':
      return { ok: o.pins.cancel(r.data.id) };
    case 'events':
      return { ok: true, events: o.events.slice(r.data.since ?? 0) };
  }
}

export async function startControlServer(
  o: ControlServerOptions,
): Promise<{ close(): Promise<void> }> {
  if (existsSync(o.path)) rmSync(o.path, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buffer = '';
    let chain = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE && !buffer.includes('\n')) return void socket.destroy();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        chain = chain.then(async () => {
          const answer = await handle(o, line).catch((e: unknown) => ({
            ok: false,
            error: (e as Error).message,
          }));
          if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
        });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177);
    server.listen(o.path, () => {
      process.umask(old);
      resolve();
    });
  });
  chmodSync(o.path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(o.path, { force: true });
          resolve();
        });
      }),
  };
}

/** One request to a running daemon's control socket (the CLI side). */
export function controlRequest(
  path: string,
  req: ControlRequest,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    c.setEncoding('utf8');
    c.on('connect', () => c.write(`${JSON.stringify(req)}\n`));
    c.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      c.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      } catch (e) {
        reject(e as Error);
      }
    });
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
