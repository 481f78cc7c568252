/**
 * The bench's control API on the IdP (loopback only, like every bench listener): register SP
 * metadata, inject outcomes, read recent events. Every call needs `Authorization: Bearer <token>`
 * (printed by `ciebench idp start`); bodies are validated with zod.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { ZodError } from 'zod';
import type { IdpContext } from '../context.ts';
import { injectionSchema } from '../injection.ts';

export const CONTROL_PATH = '/ciebench/control';

function authorised(token: string) {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return next();
    res.status(401).json({
      error: 'UNAUTHORIZED',
      message: 'Authorization: Bearer <token> required (printed at start)',
    });
  };
}

export function controlRouter(ctx: IdpContext, token: string): Router {
  const r = Router();
  r.use(CONTROL_PATH, authorised(token));
  r.post(`${CONTROL_PATH}/sps`, express.text({ type: () => true, limit: '512kb' }), (req, res) => {
    if (typeof req.body !== 'string' || req.body.length === 0)
      return void res
        .status(400)
        .json({ error: 'BAD_REQUEST', message: 'send the SP metadata XML as the body' });
    const result = ctx.sps.add(req.body, 'control API');
    res.status(result.registered ? 201 : 422).json(result);
  });
  r.get(`${CONTROL_PATH}/sps`, (_req, res) => {
    res.json(
      ctx.sps.list().map((s) => ({
        entityId: s.entityId,
        displayName: s.displayName,
        acs: s.assertionConsumerServices,
      })),
    );
  });
  r.post(`${CONTROL_PATH}/inject`, express.json({ limit: '16kb' }), (req, res) => {
    try {
      const inj = ctx.injections.add(injectionSchema.parse(req.body));
      res.status(201).json(inj);
    } catch (e) {
      const message =
        e instanceof ZodError
          ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : String(e);
      res.status(400).json({ error: 'BAD_REQUEST', message });
    }
  });
  r.delete(`${CONTROL_PATH}/inject`, (_req, res) => {
    ctx.injections.clear();
    res.status(204).end();
  });
  r.get(`${CONTROL_PATH}/events`, (_req, res) => void res.json(ctx.events));
  return r;
}
