/**
 * The control API over real HTTP and WebSocket on port 0: every route refuses a missing or wrong
 * token (401) and bad input (400 with zod's message); a card created through the API streams the
 * APDUs of an in-process IAS login (reference terminal), PIN digits masked; removing the card
 * mid-login makes the login fail with CARD_REMOVED; the server listens on loopback only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { CRL_FILE } from '../../emulator/src/state/pki-revocations.ts';
import { crlFileSource } from '../idp/server.ts';
import { CardTrust } from '../idp/trust/card-trust.ts';
import { parseCardImageText } from '../../emulator/src/state/image-file.ts';
import { STREAM_PROTOCOL } from './auth.ts';
import { cardIdSchema, createCardSchema, faultsSchema, ROUTES, setTriesSchema } from './routes.ts';
import { startControlServer, type ControlServer } from './server.ts';
import { answers, nonLoopbackAddresses } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-control-api-'));
let srv: ControlServer;

beforeAll(async () => {
  srv = await startControlServer({ reportRoot: dir, pkiDir: (seed) => join(dir, 'pki', seed) });
});
afterAll(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  o: { token?: string | null; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; json: unknown; text: string }> {
  const headers: Record<string, string> = {};
  const token = o.token === undefined ? srv.token : o.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  let body: string | undefined;
  const bodyless = method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD';
  if (!bodyless && (o.rawBody !== undefined || o.body !== undefined)) {
    headers['content-type'] = 'application/json';
    body = o.rawBody ?? JSON.stringify(o.body);
  }
  const res = await fetch(`${srv.url}${path}`, { method, headers, ...(body ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** A concrete path for a route (its `:id` filled with an id of the right kind). */
const concrete = (path: string, id: string): string => path.replace(':id', id);
const sampleId = (path: string): string =>
  path.startsWith('/api/cards') ? 'c1' : path.startsWith('/api/sessions') ? 's1' : 'r1';

/** Opens the stream and collects its messages until closed. */
function openStream(
  protocols: string[] | undefined,
  query = '',
): { ws: WebSocket; messages: { type: string; data: any }[]; opened: Promise<void> } {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/stream${query}`, protocols);
  const messages: { type: string; data: any }[] = [];
  ws.on('message', (m) => messages.push(JSON.parse(String(m))));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return { ws, messages, opened };
}

/** Resolves when `pred` holds for a message received (now or later). */
function waitFor<T>(ws: WebSocket, msgs: T[], pred: (m: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const hit = msgs.find(pred);
    if (hit) return resolve(hit);
    const on = (raw: WebSocket.RawData): void => {
      const m = JSON.parse(String(raw)) as T;
      if (pred(m)) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
  });
}

describe('token', () => {
  it('the token is 32 random bytes, base64url; the dashboard URL carries it in the fragment only', () => {
    expect(srv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(srv.token, 'base64url')).toHaveLength(32);
    expect(srv.dashboardUrl).toBe(`${srv.url}/#token=${srv.token}`);
  });

  for (const r of ROUTES) {
    const path = concrete(r.path, sampleId(r.path));
    it(`${r.method.toUpperCase()} ${r.path} refuses a missing and a wrong token with 401`, async () => {
      for (const token of [null, 'x'.repeat(43), `${srv.token}x`, '']) {
        const res = await call(r.method, path, { token, body: {} });
        expect(res.status).toBe(401);
        expect(res.json).toMatchObject({ error: 'unauthorized' });
      }
    });
  }

  it('the stream refuses an upgrade without the token, or with a wrong one', async () => {
    for (const [protocols, query] of [
      [[STREAM_PROTOCOL], ''],
      [[STREAM_PROTOCOL, 'bearer.wrong'], ''],
      [undefined, '?token=wrong'],
    ] as const) {
      const s = openStream(protocols ? [...protocols] : undefined, query);
      await expect(s.opened).rejects.toThrow('HTTP 401');
    }
  });
});

describe('bad input: 400 with the zod message', () => {
  it('every route with an :id refuses an id of the wrong form', async () => {
    for (const r of ROUTES.filter((x) => x.path.includes(':id'))) {
      const res = await call(r.method, concrete(r.path, 'bad!id'), { body: {} });
      const want = z.prettifyError(
        (r.params.safeParse({ id: 'bad!id' }) as { error: z.ZodError }).error,
      );
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
      expect(res.json, `${r.method} ${r.path}`).toEqual({ error: 'bad-input', message: want });
    }
    // The card schema's message is the one from the schema (not a generic text).
    expect(z.prettifyError(cardIdSchema.safeParse({ id: 'x' }).error as z.ZodError)).toContain(
      'a card id: c<number>',
    );
  });

  it('every route refuses an unknown query parameter', async () => {
    for (const r of ROUTES) {
      const res = await call(r.method, `${concrete(r.path, sampleId(r.path))}?bogus=1`, {
        body: {},
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
      expect((res.json as { message: string }).message, `${r.method} ${r.path}`).toBe(
        z.prettifyError(r.query.safeParse({ bogus: '1' }).error as z.ZodError),
      );
    }
  });

  it('every route with a body refuses a body of the wrong shape; malformed JSON is a 400 too', async () => {
    const withBody = ROUTES.filter((r) => r.body);
    expect(withBody.length).toBeGreaterThan(4);
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    for (const r of withBody) {
      const bad = { spec: 42, delayMs: 'slow', style: 'nokia', journey: 7, extra: true };
      const res = await call(r.method, concrete(r.path, card.id), { body: bad });
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
      expect((res.json as { message: string }).message).toBe(
        z.prettifyError(r.body?.safeParse(bad).error as z.ZodError),
      );
      const raw = await call(r.method, concrete(r.path, card.id), { rawBody: '{"spec":' });
      expect(raw.status, `${r.method} ${r.path} malformed JSON`).toBe(400);
    }
    expect(
      (await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: -1 } })).json,
    ).toEqual({
      error: 'bad-input',
      message: z.prettifyError(faultsSchema.safeParse({ delayMs: -1 }).error as z.ZodError),
    });
    expect((await call('POST', '/api/cards', { body: {} })).json).toEqual({
      error: 'bad-input',
      message: z.prettifyError(createCardSchema.safeParse({}).error as z.ZodError),
    });
  });

  it('a body above 64 KiB is refused with 413', async () => {
    const res = await call('POST', '/api/cards', { body: { spec: 'x'.repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'bad-request' });
  });

  it('a card spec the registry does not know is a 400 naming the grammar; an unknown card a 404', async () => {
    const res = await call('POST', '/api/cards', { body: { spec: 'nokia-3310' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'CARD_SPEC' });
    expect((res.json as { message: string }).message).toContain('seed:<seed>');
    expect((await call('GET', '/api/cards/c999999')).status).toBe(404);
    expect((await call('POST', '/api/journeys/runs', { body: { journey: 'nope' } })).status).toBe(
      400,
    );
  });
});

describe('cards, the APDU stream and removal', () => {
  it('an IAS login on a card created by the API streams its APDUs, annotated, PIN masked', async () => {
    const pin = defaultCardImage().state.pin.value;
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`]);
    await s.opened;
    const created = await call('POST', '/api/cards', { body: { spec: 'default' } });
    expect(created.status).toBe(201);
    const card = created.json as { id: string; state: { pin: { remaining: number } } };
    expect(card.state.pin.remaining).toBe(3);
    const start = await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} });
    expect(start.status).toBe(202);
    const session = start.json as { id: string };
    const end = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === session.id && m.data.status.kind !== 'running',
    );
    expect(end.data.status).toEqual({ kind: 'passed' });
    const apdus = s.messages.filter((m) => m.type === 'apdu' && m.data.card === card.id);
    const exchanges = apdus.filter((m) => 'exchange' in m.data.item);
    expect(exchanges.length).toBeGreaterThan(10);
    const names = exchanges.map(
      (m) => m.data.item.exchange.sm?.plainCommand?.name ?? m.data.item.exchange.command.name,
    );
    expect(names).toContain('VERIFY');
    const verify = exchanges.find((m) => m.data.item.exchange.sm?.plainCommand?.name === 'VERIFY');
    expect(verify?.data.item.exchange.masked?.length).toBeGreaterThan(0);
    expect(verify?.data.lines.join('\n')).toContain('2A 2A 2A 2A 2A 2A 2A 2A');
    // The PIN's digits (ASCII hex and text) appear nowhere in the stream.
    const all = JSON.stringify(s.messages);
    expect(all).not.toContain(Buffer.from(pin, 'ascii').toString('hex').toUpperCase());
    expect(all).not.toContain(pin);
    const state = (await call('GET', `/api/cards/${card.id}/state`)).json;
    expect(state).toMatchObject({ reader: 'inserted', pin: { remaining: 3, blocked: false } });
    s.ws.close();
  });

  it('a wrong PIN shows on the state stream as one try fewer; the exported image carries it', async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`], `?card=${card.id}`);
    await s.opened;
    const start = await call('POST', `/api/cards/${card.id}/ias-login`, {
      body: { pin: '00000000', style: 'android' },
    });
    const session = start.json as { id: string };
    const change = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'card' && m.data.state.pin?.remaining === 2,
    );
    expect(change.data.id).toBe(card.id);
    const end = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === session.id && m.data.status.kind === 'failed',
    );
    expect(end.data.status.code).toBe('PIN_WRONG');
    expect(JSON.stringify(s.messages)).not.toContain('3030303030303030');
    const image = await call('GET', `/api/cards/${card.id}/image`);
    expect(image.status).toBe(200);
    const parsed = parseCardImageText(image.text, 'exported image').image;
    expect(parsed.state.pin.remaining).toBe(2);
    s.ws.close();
  });

  it('removing the card mid-login makes the login fail with CARD_REMOVED; insert brings it back', async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    // The reader holds the sixth exchange: the login is certainly in flight when the card goes.
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0, stallAfter: 5 } });
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`]);
    await s.opened;
    const session = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'card' && m.data.id === card.id && m.data.state.stalledSessions === 1,
    );
    const exchangedBefore = s.messages.filter(
      (m) => m.type === 'apdu' && m.data.card === card.id && 'exchange' in m.data.item,
    ).length;
    expect(exchangedBefore).toBe(5);
    const removed = await call('POST', `/api/cards/${card.id}/remove`);
    expect(removed.json).toMatchObject({ reader: 'removed', powered: false });
    const end = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === session.id && m.data.status.kind === 'failed',
    );
    expect(end.data.status.code).toBe('CARD_REMOVED');
    expect((await call('GET', `/api/sessions/${session.id}`)).json).toMatchObject({
      status: { kind: 'failed', code: 'CARD_REMOVED' },
    });
    // Out of the reader: a new login cannot even connect.
    const again = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    const failed = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === again.id && m.data.status.kind === 'failed',
    );
    expect(failed.data.status.code).toBe('CARD_REMOVED');
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0 } });
    expect((await call('POST', `/api/cards/${card.id}/insert`)).json).toMatchObject({
      reader: 'inserted',
      insertion: 2,
    });
    const third = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    const ok = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === third.id && m.data.status.kind !== 'running',
    );
    expect(ok.data.status).toEqual({ kind: 'passed' });
    s.ws.close();
  });

  it('one-shot faults: the card lost after n exchanges, an answer corrupted at exchange n, the field off during exchange n', async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`], `?card=${card.id}`);
    await s.opened;
    const login = async (): Promise<{ kind: string; code?: string }> => {
      const session = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} }))
        .json as { id: string };
      const end = await waitFor(
        s.ws,
        s.messages,
        (m) => m.type === 'session' && m.data.id === session.id && m.data.status.kind !== 'running',
      );
      return end.data.status;
    };
    const exchanges = (): number =>
      s.messages.filter((m) => m.type === 'apdu' && 'exchange' in m.data.item).length;
    expect(
      (await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0, removeAfter: 6 } }))
        .json,
    ).toMatchObject({ faults: { delayMs: 0, removeAfter: 6 } });
    expect(await login()).toMatchObject({ kind: 'failed', code: 'CARD_REMOVED' });
    expect(exchanges()).toBe(6);
    const after = (await call('GET', `/api/cards/${card.id}/state`)).json;
    expect(after).toMatchObject({ reader: 'removed', faults: { delayMs: 0 } });
    expect(after).not.toHaveProperty('faults.removeAfter');
    await call('POST', `/api/cards/${card.id}/insert`);
    // Exchange 12 of the desktop login is a READ BINARY the card answers 6B00 (end of the file
    // reached); corrupted, the terminal sees 6B01 and stops on a status word it does not expect.
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0, corruptAt: 12 } });
    const corrupted = await login();
    expect(corrupted.kind).toBe('failed');
    expect(corrupted).toMatchObject({
      code: 'UNEXPECTED_SW',
      message: expect.stringContaining('6B01'),
    });
    expect((await call('GET', `/api/cards/${card.id}/state`)).json).not.toHaveProperty(
      'faults.corruptAt',
    );
    expect(await login()).toEqual({ kind: 'passed' });
    // Field off during exchange 9: the card processes it (9 exchanges at the card boundary),
    // the terminal gets no answer and the card is out.
    const before = exchanges();
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0, fieldOffAt: 9 } });
    expect(await login()).toMatchObject({ kind: 'failed', code: 'CARD_REMOVED' });
    expect(exchanges() - before).toBe(9);
    const out = (await call('GET', `/api/cards/${card.id}/state`)).json;
    expect(out).toMatchObject({ reader: 'removed' });
    expect(out).not.toHaveProperty('faults.fieldOffAt');
    s.ws.close();
  });

  it('a reset by the bench mid-login makes the login fail with CARD_RESET', async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0, stallAfter: 3 } });
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`]);
    await s.opened;
    const session = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'card' && m.data.id === card.id && m.data.state.stalledSessions === 1,
    );
    await call('POST', `/api/cards/${card.id}/reset`);
    const end = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === session.id && m.data.status.kind === 'failed',
    );
    expect(end.data.status.code).toBe('CARD_RESET');
    s.ws.close();
  });

  it('PIN/PUK tries set through the API: blocked PIN refuses the login; above the maximum is a 400', async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    expect(
      (await call('PUT', `/api/cards/${card.id}/tries`, { body: { pin: 1 } })).json,
    ).toMatchObject({
      pin: { remaining: 1, max: 3, blocked: false },
      puk: { remaining: 10, blocked: false },
    });
    expect(
      (await call('PUT', `/api/cards/${card.id}/tries`, { body: { pin: 0 } })).json,
    ).toMatchObject({
      pin: { remaining: 0, blocked: true },
    });
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`]);
    await s.opened;
    const session = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    const end = await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'session' && m.data.id === session.id && m.data.status.kind !== 'running',
    );
    expect(end.data.status).toMatchObject({ kind: 'failed', code: 'PIN_BLOCKED' });
    s.ws.close();
    const above = await call('PUT', `/api/cards/${card.id}/tries`, { body: { pin: 4 } });
    expect(above.status).toBe(400);
    expect(above.json).toMatchObject({ error: 'CONTROL_TRIES' });
    const none = await call('PUT', `/api/cards/${card.id}/tries`, { body: {} });
    expect(none.json).toEqual({
      error: 'bad-input',
      message: z.prettifyError(setTriesSchema.safeParse({}).error as z.ZodError),
    });
    expect(
      (await call('PUT', `/api/cards/${card.id}/tries`, { body: { pin: 3 } })).json,
    ).toMatchObject({
      pin: { remaining: 3, blocked: false },
    });
    const iso = (await call('POST', '/api/cards', { body: { spec: 'iso-test' } })).json as {
      id: string;
    };
    expect(
      (await call('PUT', `/api/cards/${iso.id}/tries`, { body: { pin: 1 } })).json,
    ).toMatchObject({
      error: 'CONTROL_NO_PIN',
    });
  });

  it('a second session connecting to a card in use resets it: the first fails with CARD_RESET', async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0, stallAfter: 4 } });
    const s = openStream([STREAM_PROTOCOL, `bearer.${srv.token}`]);
    await s.opened;
    const first = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    await waitFor(
      s.ws,
      s.messages,
      (m) => m.type === 'card' && m.data.id === card.id && m.data.state.stalledSessions === 1,
    );
    await call('PUT', `/api/cards/${card.id}/faults`, { body: { delayMs: 0 } });
    const second = (await call('POST', `/api/cards/${card.id}/ias-login`, { body: {} })).json as {
      id: string;
    };
    const ends = await Promise.all(
      [first.id, second.id].map((id) =>
        waitFor(
          s.ws,
          s.messages,
          (m) => m.type === 'session' && m.data.id === id && m.data.status.kind !== 'running',
        ),
      ),
    );
    expect(ends[0]?.data.status).toMatchObject({ kind: 'failed', code: 'CARD_RESET' });
    expect(ends[1]?.data.status).toEqual({ kind: 'passed' });
    s.ws.close();
  });

  it('lists cards, the catalogue and serves the OpenAPI document generated from the schemas', async () => {
    const cards = (await call('GET', '/api/cards')).json as unknown[];
    expect(cards.length).toBeGreaterThan(0);
    const journeys = (await call('GET', '/api/journeys')).json as { id: string }[];
    expect(journeys.map((j) => j.id)).toContain('hybrid-login');
    const doc = (await call('GET', '/api/openapi.json')).json as {
      openapi: string;
      paths: Record<string, Record<string, any>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES)
      expect(doc.paths[r.path.replace(':id', '{id}')]?.[r.method], r.path).toBeDefined();
    expect(
      doc.paths['/api/cards']?.['post']?.requestBody.content['application/json'].schema,
    ).toEqual(
      expect.objectContaining({
        type: 'object',
        required: ['spec'],
        additionalProperties: false,
      }),
    );
  });
});

describe('bench readers', () => {
  it('a control server on its own has none: the list is empty, placing a card is a clear 400', async () => {
    expect((await call('GET', '/api/readers')).json).toEqual([]);
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
    };
    const res = await call('PUT', `/api/cards/${card.id}/readers`, { body: { readers: ['nfc'] } });
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toContain('come with `ciebench start`');
    const twice = await call('PUT', `/api/cards/${card.id}/readers`, {
      body: { readers: ['nfc', 'nfc'] },
    });
    expect(twice.status).toBe(400);
    expect((twice.json as { message: string }).message).toContain('each reader once');
  });
});

describe('certificate standing', () => {
  it("revoking puts the card's certificate on its PKI's CRL, which the reference IdP's trust then refuses; releasing undoes it", async () => {
    const card = (await call('POST', '/api/cards', { body: { spec: 'default' } })).json as {
      id: string;
      state: { certificate: { serial: string; status: string } };
    };
    expect(card.state.certificate.status).toBe('valid');
    const image = defaultCardImage();
    const crlFile = join(dir, 'pki', image.pkiSeed, CRL_FILE);
    const trust = new CardTrust({
      cas: [fromHex(image.ias.certificates.holderCa)],
      crls: crlFileSource([crlFile]),
    });
    const holder = fromHex(image.ias.certificates.holder);
    expect(trust.check(holder, new Date()).ok).toBe(true);
    const revoked = await call('PUT', `/api/cards/${card.id}/certificate`, {
      body: { status: 'revoked' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      certificate: { status: 'revoked', serial: card.state.certificate.serial },
    });
    expect(trust.check(holder, new Date())).toMatchObject({ ok: false, code: 'CERT_REVOKED' });
    const released = await call('PUT', `/api/cards/${card.id}/certificate`, {
      body: { status: 'valid' },
    });
    expect(released.json).toMatchObject({ certificate: { status: 'valid' } });
    expect(trust.check(holder, new Date()).ok).toBe(true);
    // A generic test card has no certificate: a clear 400, nothing written.
    const iso = (await call('POST', '/api/cards', { body: { spec: 'iso-test' } })).json as {
      id: string;
    };
    const none = await call('PUT', `/api/cards/${iso.id}/certificate`, {
      body: { status: 'revoked' },
    });
    expect(none.status).toBe(400);
    expect((none.json as { message: string }).message).toContain('has no certificate');
  });
});

describe('listening', () => {
  it('binds to 127.0.0.1 by default: no non-loopback address of this machine answers', async () => {
    expect(srv.host).toBe('127.0.0.1');
    expect(await answers('127.0.0.1', srv.port)).toBe(true);
    const others = nonLoopbackAddresses();
    if (others.length === 0)
      console.warn(
        '*** control-api.test.ts: this machine has no non-loopback address to probe ***',
      );
    for (const address of others)
      expect(await answers(address, srv.port), `${address}:${srv.port}`).toBe(false);
  });
});
