/**
 * The control API as one table: each route's method, path, zod schemas of its path parameters,
 * query and body, and its handler. The server registers the routes from this table and the
 * OpenAPI document is generated from it, so the two cannot drift apart.
 */
import { z } from 'zod';
import { TERMINAL_STYLES } from '../../harness/terminals/ias/styles.ts';
import { appActorSchema, idpActorSchema, spActorSchema } from '../runner/model.ts';
import type { JourneyRunner } from './journeys.ts';
import type { ReaderSlot } from './reader-slot.ts';
import type { Station } from './station.ts';

export const cardIdSchema = z.object({
  id: z.string().regex(/^c\d{1,9}$/, 'a card id: c<number>'),
});
export const sessionIdSchema = z.object({
  id: z.string().regex(/^s\d{1,9}$/, 'a session id: s<number>'),
});
export const runIdSchema = z.object({
  id: z.string().regex(/^r\d{1,9}$/, 'a journey run id: r<number>'),
});
const emptySchema = z.object({}).strict();

export const createCardSchema = z
  .object({
    spec: z
      .string()
      .min(1)
      .max(300)
      .describe(
        'card of the registry grammar: default | <personality> | seed:<seed> | <personality>:<seed> | fleet:<seed>:<index> | iso-test | sm-test | <image file>',
      ),
  })
  .strict();

export const faultsSchema = z
  .object({
    delayMs: z.number().int().min(0).max(10_000).describe('delay before every exchange (ms)'),
    stallAfter: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe('the reader holds the exchange after this many, until removal or reset'),
    removeAfter: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe(
        'one-shot: the card leaves the field after this many exchanges of the next session',
      ),
    corruptAt: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('one-shot: the answer to exchange n (1-based) of the next session is corrupted'),
    fieldOffAt: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe(
        'one-shot: exchange n (1-based) of the next session reaches the card, whose answer is lost as it leaves the field',
      ),
  })
  .strict();

export const setTriesSchema = z
  .object({
    pin: z.number().int().min(0).max(15).optional().describe('PIN tries left (0: blocked)'),
    puk: z.number().int().min(0).max(15).optional().describe('PUK tries left (0: blocked)'),
  })
  .strict()
  .refine((t) => t.pin !== undefined || t.puk !== undefined, 'give pin, puk or both');

export const placeSchema = z
  .object({
    readers: z
      .array(z.enum(['vpcd', 'nfc']))
      .max(2)
      .refine((r) => new Set(r).size === r.length, 'each reader once')
      .describe(
        'the bench readers the card goes in (GET /api/readers); [] takes it out of them. The cards that held them leave them',
      ),
  })
  .strict();

export const certificateSchema = z
  .object({
    status: z
      .enum(['revoked', 'valid'])
      .describe("'revoked': on its PKI's CRL; 'valid': the revocation released"),
  })
  .strict();

export const iasLoginSchema = z
  .object({
    style: z.enum(TERMINAL_STYLES).default('desktop'),
    pin: z
      .string()
      .regex(/^\d{8}$/, 'PIN: 8 digits')
      .optional()
      .describe('PIN to present (default: the PIN the card holds)'),
  })
  .strict();

export const startRunSchema = z
  .object({
    journey: z.string().min(1).max(100).describe('catalogue journey id (GET /api/journeys)'),
    card: z.string().min(1).max(300).optional().describe('another card of the registry grammar'),
    app: z
      .object({ channel: appActorSchema.shape.channel.unwrap() })
      .strict()
      .optional()
      .describe("the app agent's channel to the card"),
    idp: z.object({ mode: idpActorSchema.shape.mode.unwrap() }).strict().optional(),
    sp: spActorSchema.shape.kind
      .unwrap()
      .exclude(['external'])
      .optional()
      .describe('the service provider (simplesamlphp, shibboleth: Debian packages)'),
  })
  .strict();

export const artefactQuerySchema = z
  .object({
    path: z
      .string()
      .min(1)
      .max(500)
      .regex(/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/, 'a path listed by …/artefacts')
      .describe('the artefact, as GET /api/journeys/runs/{id}/artefacts lists it'),
  })
  .strict();

/** Query of the WebSocket stream (`/api/stream`). */
export const streamQuerySchema = z
  .object({
    token: z.string().max(200).optional(),
    card: z
      .string()
      .regex(/^c\d{1,9}$/)
      .optional()
      .describe('only this card'),
  })
  .strict();

/** What a handler answers: JSON (with a status), or a file or text of a content type. */
export type Reply =
  | { readonly json: unknown; readonly status?: number }
  | { readonly file: string; readonly type: string }
  | { readonly text: string; readonly type: string; readonly filename?: string };

export interface Services {
  readonly station: Station;
  readonly journeys: JourneyRunner;
  readonly openapi: () => unknown;
}

export interface Route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** Express path (`/api/cards/:id`). */
  readonly path: string;
  readonly summary: string;
  readonly params: P;
  readonly query: Q;
  readonly body?: B;
  /** Status of a successful answer. */
  readonly ok: number;
  readonly handle: (
    s: Services,
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
  ) => Reply | Promise<Reply>;
}

// The table is heterogeneous; each entry is checked where it is written (route()).
export type AnyRoute = Route<any, any, any>;

function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType = typeof emptySchema>(
  r: Route<P, Q, B>,
): AnyRoute {
  return r;
}

const noParams = emptySchema;
const noQuery = emptySchema;

/** POST /api/cards/:id/<action>: acts on the card's reader slot, answers the card's state. */
function slotAction(action: string, summary: string, act: (slot: ReaderSlot) => void): AnyRoute {
  return route({
    method: 'post',
    path: `/api/cards/:id/${action}`,
    summary,
    params: cardIdSchema,
    query: noQuery,
    body: emptySchema.optional(),
    ok: 200,
    handle: (s, { params }) => {
      const c = s.station.card(params.id);
      act(c.slot);
      return { json: c.state };
    },
  });
}

export const ROUTES: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'this API as an OpenAPI 3.1 document',
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.openapi() }),
  }),
  route({
    method: 'get',
    path: '/api/cards',
    summary: 'the managed cards with their state',
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.station.listCards() }),
  }),
  route({
    method: 'post',
    path: '/api/cards',
    summary: 'create a card (registry grammar) and insert it in its own in-process reader',
    params: noParams,
    query: noQuery,
    body: createCardSchema,
    ok: 201,
    handle: (s, { body }) => ({ json: s.station.createCard(body.spec), status: 201 }),
  }),
  route({
    method: 'get',
    path: '/api/readers',
    summary:
      'the bench readers outside the process (virtual PC/SC reader, NFC endpoint: `ciebench start`) and the card in each',
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.station.listReaders() }),
  }),
  route({
    method: 'put',
    path: '/api/cards/:id/readers',
    summary:
      'put the card in these bench readers (the virtual PC/SC reader, the NFC endpoint), taking out the card that was there',
    params: cardIdSchema,
    query: noQuery,
    body: placeSchema,
    ok: 200,
    handle: async (s, { params, body }) => ({
      json: await s.station.placeCard(params.id, body.readers),
    }),
  }),
  route({
    method: 'get',
    path: '/api/cards/:id',
    summary: 'one card: spec, personality, state',
    params: cardIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({ json: s.station.card(params.id).info }),
  }),
  route({
    method: 'delete',
    path: '/api/cards/:id',
    summary: 'remove the card and forget it',
    params: cardIdSchema,
    query: noQuery,
    ok: 200,
    handle: async (s, { params }) => {
      await s.station.deleteCard(params.id);
      return { json: { deleted: params.id } };
    },
  }),
  route({
    method: 'get',
    path: '/api/cards/:id/state',
    summary: 'PIN and PUK tries, blocked, reader slot, power, faults',
    params: cardIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({ json: s.station.card(params.id).state }),
  }),
  route({
    method: 'put',
    path: '/api/cards/:id/tries',
    summary: 'set the PIN and/or PUK tries left (0 blocks; the maximum restores)',
    params: cardIdSchema,
    query: noQuery,
    body: setTriesSchema,
    ok: 200,
    handle: (s, { params, body }) => ({
      json: s.station.card(params.id).setTries({
        ...(body.pin !== undefined ? { pin: body.pin } : {}),
        ...(body.puk !== undefined ? { puk: body.puk } : {}),
      }),
    }),
  }),
  slotAction(
    'reset',
    'warm reset by the bench: sessions open on the card fail with CARD_RESET',
    (slot) => slot.reset(),
  ),
  slotAction(
    'remove',
    'take the card out of its reader — and out of the virtual PC/SC reader and the NFC endpoint it also sits in: running sessions fail with CARD_REMOVED',
    (slot) => slot.remove(),
  ),
  slotAction('insert', 'put the card back in its readers', (slot) => slot.insert()),
  route({
    method: 'put',
    path: '/api/cards/:id/faults',
    summary:
      "the reader's faults: a delay per exchange, a stall after n exchanges, the card lost or an answer corrupted at exchange n",
    params: cardIdSchema,
    query: noQuery,
    body: faultsSchema,
    ok: 200,
    handle: (s, { params, body }) => {
      const c = s.station.card(params.id);
      const { delayMs, ...optional } = body;
      c.setFaults({
        delayMs,
        ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
      });
      return { json: c.state };
    },
  }),
  route({
    method: 'put',
    path: '/api/cards/:id/certificate',
    summary:
      "revoke the card's authentication certificate (CRL of its test PKI, read by the reference IdP) or release the revocation",
    params: cardIdSchema,
    query: noQuery,
    body: certificateSchema,
    ok: 200,
    handle: (s, { params, body }) => ({
      json: s.station.card(params.id).setCertificate(body.status),
    }),
  }),
  route({
    method: 'get',
    path: '/api/cards/:id/image',
    summary: 'the card image with its current PIN/PUK state (ciebench card image format)',
    params: cardIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({
      text: s.station.card(params.id).exportImage(),
      type: 'application/json',
      filename: `${params.id}.json`,
    }),
  }),
  route({
    method: 'post',
    path: '/api/cards/:id/ias-login',
    summary: "start the reference IAS terminal's login on the card (DH, DAPP, VERIFY, sign)",
    params: cardIdSchema,
    query: noQuery,
    body: iasLoginSchema,
    ok: 202,
    handle: (s, { params, body }) => ({
      json: s.station.startIasLogin(params.id, {
        style: body.style,
        ...(body.pin ? { pin: body.pin } : {}),
      }).session,
      status: 202,
    }),
  }),
  route({
    method: 'get',
    path: '/api/sessions',
    summary: 'reference-terminal sessions and their outcome',
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.station.listSessions() }),
  }),
  route({
    method: 'get',
    path: '/api/sessions/:id',
    summary: 'one session',
    params: sessionIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({ json: s.station.session(params.id) }),
  }),
  route({
    method: 'get',
    path: '/api/demo',
    summary:
      "the login demo of `ciebench start`: the SP page to open, the card serial, the phone's events",
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.station.demo() }),
  }),
  route({
    method: 'get',
    path: '/api/journeys',
    summary: 'the journey catalogue',
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.journeys.list() }),
  }),
  route({
    method: 'get',
    path: '/api/journeys/runs',
    summary: 'journey runs started here',
    params: noParams,
    query: noQuery,
    ok: 200,
    handle: (s) => ({ json: s.journeys.listRuns() }),
  }),
  route({
    method: 'post',
    path: '/api/journeys/runs',
    summary: 'queue a catalogue journey (runs one at a time)',
    params: noParams,
    query: noQuery,
    body: startRunSchema,
    ok: 202,
    handle: (s, { body }) => ({
      json: s.journeys.start(body.journey, {
        ...(body.card ? { card: body.card } : {}),
        ...(body.app ? { app: { kind: 'agent' as const, channel: body.app.channel } } : {}),
        ...(body.idp ? { idp: { kind: 'reference' as const, mode: body.idp.mode } } : {}),
        ...(body.sp ? { sp: body.sp } : {}),
      }).run,
      status: 202,
    }),
  }),
  route({
    method: 'get',
    path: '/api/journeys/runs/:id',
    summary: 'one run: status and step lines',
    params: runIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({ json: s.journeys.run(params.id) }),
  }),
  route({
    method: 'delete',
    path: '/api/journeys/runs/:id',
    summary:
      'cancel a run: a queued one never starts, a running one stops before its next step (400 once it has ended)',
    params: runIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({ json: s.journeys.cancel(params.id) }),
  }),
  route({
    method: 'get',
    path: '/api/journeys/runs/:id/artefacts',
    summary:
      'the files a run has left so far: reports, step screenshots, SAML messages, card trace, HAR, card image',
    params: runIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({ json: s.journeys.artefacts(params.id) }),
  }),
  route({
    method: 'get',
    path: '/api/journeys/runs/:id/artefact',
    summary: 'one file of a run, by the path …/artefacts lists',
    params: runIdSchema,
    query: artefactQuerySchema,
    ok: 200,
    handle: (s, { params, query }) => s.journeys.artefact(params.id, query.path),
  }),
  route({
    method: 'get',
    path: '/api/journeys/runs/:id/report.html',
    summary: "a finished run's HTML report (self-contained)",
    params: runIdSchema,
    query: noQuery,
    ok: 200,
    handle: (s, { params }) => ({
      file: s.journeys.reportFile(params.id),
      type: 'text/html; charset=utf-8',
    }),
  }),
];
