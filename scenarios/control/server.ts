/**
 * The control server: the control API (express 5), its live stream (ws) and the dashboard's
 * static files, in one process with the cards they steer. Binds to loopback unless told
 * otherwise; every API call and stream upgrade needs the token made at start.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { HostError } from '../../emulator/src/host-error.ts';
import { packageFile } from '../../emulator/src/package-root.ts';
import { STREAM_PROTOCOL, TOKEN_PROTOCOL_PREFIX, TokenCheck, newToken } from './auth.ts';
import { JourneyRunner, type JourneyRunInfo } from './journeys.ts';
import { openApiDocument } from './openapi.ts';
import { ROUTES, streamQuerySchema, type AnyRoute, type Reply, type Services } from './routes.ts';
import { Station, type ControlEvent } from './station.ts';

/** Addresses that reach only this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface ControlServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Where journey runs write their reports. */
  readonly reportRoot: string;
  /** PIN/PUK digits in the stream and reports (masked by default). */
  readonly showSecrets?: boolean;
  /**
   * Where a card's test PKI keeps its CRL, by PKI seed (default: `$CIEBENCH_HOME/pki/<seed>`,
   * the CRL `ciebench card revoke` writes and the reference IdP reads).
   */
  readonly pkiDir?: (pkiSeed: string) => string;
  /** The token (default: 32 fresh random bytes); tests may not pass one. */
  readonly token?: string;
}

export interface ControlServer {
  readonly url: string;
  /** The dashboard's URL with the token in the fragment (never sent to the server). */
  readonly dashboardUrl: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  readonly station: Station;
  readonly journeys: JourneyRunner;
  close(): Promise<void>;
}

/** Stream clients that do not read their messages are dropped above this much unsent data. */
const MAX_BUFFERED = 16 * 1024 * 1024;

function sendError(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

function reply(res: Response, r: Reply, ok: number): void {
  if ('json' in r) res.status(r.status ?? ok).json(r.json);
  else if ('file' in r) res.type(r.type).sendFile(r.file);
  else {
    if (r.filename) res.attachment(r.filename);
    res.status(ok).type(r.type).send(r.text);
  }
}

function register(app: express.Express, r: AnyRoute, services: Services): void {
  app[r.method](r.path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const params = r.params.parse(req.params);
      const query = r.query.parse(req.query);
      // express.json leaves the body undefined when the request has none.
      const body = (r.body ?? z.undefined()).parse(req.body);
      reply(res, await r.handle(services, { params, query, body }), r.ok);
    } catch (e) {
      next(e);
    }
  });
}

function errorFunnel(e: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (e instanceof z.ZodError) return sendError(res, 400, 'bad-input', z.prettifyError(e));
  const status = (e as { status?: number; type?: string }).status;
  if (status === 400 || status === 413 || status === 415)
    return sendError(res, status, 'bad-request', (e as Error).message);
  if (e instanceof HostError) {
    if (e.code === 'CONTROL_NOT_FOUND') return sendError(res, 404, 'not-found', e.message);
    if (e.kind === 'input') return sendError(res, 400, e.code, e.message);
    return sendError(res, 500, e.code, e.message);
  }
  sendError(res, 500, 'internal', e instanceof Error ? e.message : String(e));
}

function app(services: Services, check: TokenCheck): express.Express {
  const a = express();
  a.disable('x-powered-by');
  a.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // The dashboard's own files carry no data: served without the token, which the page reads from
  // its URL fragment and sends with every API call.
  a.use(
    express.static(packageFile('scenarios', 'control', 'dashboard'), {
      index: 'index.html',
      setHeaders: (res) =>
        res.setHeader(
          'Content-Security-Policy',
          "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        ),
    }),
  );
  a.use('/api', (req, res, next) => {
    if (check.authorizes(req.headers.authorization)) return next();
    sendError(
      res,
      401,
      'unauthorized',
      'send the token printed at start: Authorization: Bearer <token>',
    );
  });
  a.use('/api', express.json({ limit: '64kb', strict: true }));
  for (const r of ROUTES) register(a, r, services);
  a.use('/api', (req, res) =>
    sendError(res, 404, 'not-found', `no route ${req.method} ${req.originalUrl}`),
  );
  a.use(errorFunnel);
  return a;
}

function refuseUpgrade(socket: Duplex, status: number, text: string, message: string): void {
  const body = JSON.stringify({ error: text, message });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function stream(server: Server, services: Services, check: TokenCheck): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    handleProtocols: (protocols) => (protocols.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://control');
    if (url.pathname !== '/api/stream')
      return refuseUpgrade(socket, 404, 'Not Found', 'no such stream');
    if (!check.authorizesUpgrade(req, url))
      return refuseUpgrade(
        socket,
        401,
        'Unauthorized',
        `offer the subprotocols ${STREAM_PROTOCOL} and ${TOKEN_PROTOCOL_PREFIX}<token>`,
      );
    const q = streamQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!q.success) return refuseUpgrade(socket, 400, 'Bad Request', z.prettifyError(q.error));
    wss.handleUpgrade(req, socket, head, (ws) => follow(ws, services, q.data.card));
  });
  return wss;
}

function cardOf(e: ControlEvent): string | undefined {
  switch (e.type) {
    case 'apdu':
      return e.data.card;
    case 'card':
    case 'card-closed':
      return e.data.id;
    case 'session':
      return e.data.card;
    case 'journey':
    case 'journey-step':
    case 'phone':
      return undefined;
  }
}

function follow(ws: WebSocket, s: Services, card: string | undefined): void {
  const send = (e: { type: string; data: unknown }): void => {
    if (ws.bufferedAmount > MAX_BUFFERED) return void ws.close(1013, 'not reading the stream');
    ws.send(JSON.stringify(e));
  };
  send({
    type: 'snapshot',
    data: {
      cards: s.station.listCards(),
      sessions: s.station.listSessions(),
      runs: s.journeys.listRuns().map(runSummary),
    },
  });
  const off = s.station.subscribe((e) => {
    if (card !== undefined && cardOf(e) !== undefined && cardOf(e) !== card) return;
    send(e);
  });
  ws.on('close', off);
  ws.on('error', off);
  // Clients have nothing to say on the stream.
  ws.on('message', () => ws.close(1003, 'the stream is one-way'));
}

/** A run without its step lines but the last (the stream sends one per line). */
function runSummary(r: JourneyRunInfo): Omit<JourneyRunInfo, 'lines'> & { lastLine?: string } {
  const { lines, ...rest } = r;
  const last = lines.at(-1);
  return { ...rest, ...(last !== undefined ? { lastLine: last } : {}) };
}

/** Starts the control server; warns on standard error when it listens beyond loopback. */
export async function startControlServer(o: ControlServerOptions): Promise<ControlServer> {
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? newToken();
  const check = new TokenCheck(token);
  const station = new Station({
    showSecrets: o.showSecrets ?? false,
    ...(o.pkiDir ? { pkiDir: o.pkiDir } : {}),
  });
  const journeys = new JourneyRunner({
    reportRoot: o.reportRoot,
    showSecrets: o.showSecrets ?? false,
    onChange: (r) => station.emit({ type: 'journey', data: runSummary(r) }),
    onStep: (e) => station.emit({ type: 'journey-step', data: e }),
  });
  let doc: unknown;
  const services: Services = {
    station,
    journeys,
    openapi: () => (doc ??= openApiDocument(ROUTES)),
  };
  const server = createServer(app(services, check));
  const wss = stream(server, services, check);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  return {
    url,
    dashboardUrl: `${url}/#token=${token}`,
    token,
    host,
    port,
    station,
    journeys,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await station.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
