/**
 * The control server's token: 32 random bytes (base64url) made at start, printed once, required
 * on every API call as `Authorization: Bearer <token>` and on the WebSocket upgrade (offered as
 * the subprotocol `bearer.<token>`, or as `?token=` for clients that cannot set subprotocols).
 * Compared in constant time (over SHA-256 digests, so the length leaks nothing either).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The subprotocol the server answers a stream upgrade with. */
export const STREAM_PROTOCOL = 'ciebench.v1';
/** Prefix of the subprotocol that carries the token. */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class TokenCheck {
  private readonly want: Buffer;

  constructor(token: string) {
    this.want = digest(token);
  }

  matches(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    return timingSafeEqual(digest(candidate), this.want);
  }

  /** The token of an `Authorization: Bearer …` header, checked. */
  authorizes(header: string | undefined): boolean {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header ?? '');
    return this.matches(m?.[1]);
  }

  /** A WebSocket upgrade: the `bearer.<token>` subprotocol, or the `token` query parameter. */
  authorizesUpgrade(req: IncomingMessage, url: URL): boolean {
    const offered = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    if (offered !== undefined) return this.matches(offered.slice(TOKEN_PROTOCOL_PREFIX.length));
    const q = url.searchParams.get('token');
    return this.matches(q ?? undefined);
  }
}
