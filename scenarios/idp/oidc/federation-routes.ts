/**
 * HTTP face of the federation: the trust anchor's listener (Entity Configuration, fetch, list,
 * resolve, trust mark status) and the resolve endpoint every entity offers. Answers: entity
 * statements as `application/entity-statement+jwt`; errors as OpenID Federation's error object
 * (`{"error", "error_description"}`, `invalid_request` 400, `not_found` 404, `server_error` 500);
 * trust mark status as `{"active": …}`. Parameters are validated with zod; only GET (and POST for
 * the trust mark status) are served.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { FederationFetcher } from '../../oidc/federation/fetcher.ts';
import { STATEMENT_MEDIA_TYPE, WELL_KNOWN } from '../../oidc/federation/statements.ts';
import { resolveTrustChain, TrustChainError } from '../../oidc/federation/trust-chain.ts';
import type { TrustAnchor } from './trust-anchor.ts';

const entityId = z.url().max(2048);

function fedError(res: Response, status: number, error: string, description: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ error, error_description: description });
}

function sendStatement(res: Response, jwt: string): void {
  res.status(200).set('Cache-Control', 'no-store').type(STATEMENT_MEDIA_TYPE).send(jwt);
}

/** First string value of a query or body parameter. */
function param(source: unknown, name: string): string | undefined {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string'
    ? v
    : Array.isArray(v) && typeof v[0] === 'string'
      ? v[0]
      : undefined;
}

export interface ResolveDeps {
  readonly issuer: string;
  readonly anchor: TrustAnchor;
  readonly fetch: FederationFetcher;
  readonly now: () => number;
  /** Signs the answer as the resolving entity. */
  readonly sign: (payload: Record<string, unknown>) => Promise<string>;
}

/** `GET /resolve?sub=&anchor=[&type=]`: the subject's resolved metadata, trust marks and chain. */
export function resolveHandler(d: ResolveDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const sub = entityId.safeParse(param(req.query, 'sub'));
    const anchor = entityId.safeParse(param(req.query, 'anchor'));
    const type = param(req.query, 'type') ?? param(req.query, 'entity_type');
    if (!sub.success || !anchor.success)
      return fedError(
        res,
        400,
        'invalid_request',
        'sub and anchor are required entity identifiers',
      );
    if (anchor.data.replace(/\/+$/, '') !== d.anchor.entityId)
      return fedError(
        res,
        404,
        'invalid_trust_anchor',
        `${anchor.data} is not a trust anchor known here`,
      );
    if (type !== undefined && type !== 'openid_relying_party' && type !== 'openid_provider')
      return fedError(res, 400, 'invalid_request', `type ${type} is not resolved here`);
    try {
      const chain = await resolveTrustChain(sub.data, {
        anchors: [{ entityId: d.anchor.entityId, jwks: d.anchor.jwks }],
        fetch: d.fetch,
        now: d.now,
        entityType: type ?? (sub.data === d.issuer ? 'openid_provider' : 'openid_relying_party'),
      });
      sendStatement(
        res,
        await d.sign({
          sub: sub.data,
          exp: chain.exp,
          metadata: {
            [type ?? (sub.data === d.issuer ? 'openid_provider' : 'openid_relying_party')]:
              chain.metadata,
          },
          trust_marks: chain.trustMarkRefs,
          trust_chain: chain.statements,
        }),
      );
    } catch (e) {
      if (e instanceof TrustChainError)
        return fedError(res, 404, 'not_found', `${e.reason}: ${e.message}`);
      fedError(res, 500, 'server_error', (e as Error).message);
    }
  };
}

/** The trust anchor's listener. */
export function registryRouter(
  anchor: TrustAnchor,
  resolve: ReturnType<typeof resolveHandler>,
): Router {
  const r = Router();
  r.get(WELL_KNOWN, async (_req, res) => sendStatement(res, await anchor.entityConfiguration()));
  r.get('/fetch', async (req, res) => {
    const sub = entityId.safeParse(param(req.query, 'sub'));
    if (!sub.success)
      return fedError(res, 400, 'invalid_request', 'sub (an entity identifier) is required');
    const iss = param(req.query, 'iss');
    if (iss !== undefined && iss.replace(/\/+$/, '') !== anchor.entityId)
      return fedError(
        res,
        404,
        'not_found',
        `this endpoint issues statements as ${anchor.entityId}`,
      );
    const jwt = await anchor.subordinateStatement(sub.data);
    if (!jwt) return fedError(res, 404, 'not_found', `${sub.data} is not registered here`);
    sendStatement(res, jwt);
  });
  r.get('/list', (req, res) => {
    const type = param(req.query, 'entity_type') ?? param(req.query, 'type');
    const leaf = param(req.query, 'is_leaf');
    if (leaf === 'false') return void res.json([]);
    res.set('Cache-Control', 'no-store').json(anchor.list(type ? { entityType: type } : {}));
  });
  r.get('/resolve', resolve);
  const status = async (req: Request, res: Response): Promise<void> => {
    const src = req.method === 'POST' ? req.body : req.query;
    const sub = param(src, 'sub');
    const id = param(src, 'id') ?? param(src, 'trust_mark_id');
    const tm = param(src, 'trust_mark');
    if (!tm && (!sub || !id))
      return fedError(res, 400, 'invalid_request', 'sub and id, or trust_mark, are required');
    const active = await anchor.trustMarkStatus({
      ...(sub ? { sub } : {}),
      ...(id ? { id } : {}),
      ...(tm ? { trustMark: tm } : {}),
    });
    res.set('Cache-Control', 'no-store').json({ active });
  };
  r.get('/trust_mark_status', status);
  r.post(
    '/trust_mark_status',
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }),
    status,
  );
  return r;
}
