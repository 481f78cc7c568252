/**
 * The SAML messages a journey's browser carries, decoded as they pass (SAML 2.0 Bindings
 * §3.4 HTTP-Redirect: `SAMLRequest`/`SAMLResponse` in the query, base64 of raw DEFLATE; §3.5
 * HTTP-POST: the same parameters in a form, base64 of the XML). Nothing is changed on the way:
 * the runner only reads what the browser sends.
 *
 * A Response's outcome is summarised the CIE way: code 1 for Success, otherwise the `ErrorCode nrNN`
 * of its StatusMessage, with the top-level and second-level status codes.
 */
import { inflateRawSync } from 'node:zlib';
import type { BrowserContext, Request } from 'playwright-core';
import { oidcMessage } from './oidc-capture.ts';

export interface SamlMessage {
  readonly kind: 'AuthnRequest' | 'Response' | 'other';
  readonly binding: 'redirect' | 'post';
  /** Where the browser sent it (query removed). */
  readonly url: string;
  readonly xml: string;
  /** Milliseconds since the journey started. */
  readonly at: number;
  /** The step during which the browser sent it. */
  readonly step: number;
  readonly relayState?: string;
  readonly summary: string;
  /** Responses: 1 (Success) or the CIE error code; undefined when neither can be read. */
  readonly code?: number;
  readonly statusCodes?: readonly string[];
  readonly id?: string;
  readonly inResponseTo?: string;
}

const MAX_XML = 512 * 1024;

function decode(value: string, binding: 'redirect' | 'post'): string | undefined {
  try {
    const raw = Buffer.from(value, 'base64');
    const bytes = binding === 'redirect' ? inflateRawSync(raw, { maxOutputLength: MAX_XML }) : raw;
    return bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

const attr = (xml: string, el: string, name: string): string | undefined =>
  new RegExp(`<(?:\\w+:)?${el}\\b[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1];

/** Summary of a decoded message (regular expressions only: it is shown, never trusted). */
export function summarise(
  xml: string,
): Pick<SamlMessage, 'kind' | 'summary' | 'code' | 'statusCodes' | 'id' | 'inResponseTo'> {
  const root = /<(?:\w+:)?(AuthnRequest|Response)\b/.exec(xml)?.[1];
  const id = attr(xml, root ?? 'Response', 'ID');
  if (root === 'AuthnRequest') {
    const acr = /AuthnContextClassRef>([^<]+)</.exec(xml)?.[1];
    return {
      kind: 'AuthnRequest',
      ...(id ? { id } : {}),
      summary: `AuthnRequest ${id ?? '?'}${acr ? ` for ${acr.replace(/^.*\//, '')}` : ''}`,
    };
  }
  if (root !== 'Response') return { kind: 'other', summary: 'not a SAML request or response' };
  const statusCodes = [...xml.matchAll(/<(?:\w+:)?StatusCode\b[^>]*Value="([^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  const message = /<(?:\w+:)?StatusMessage>([^<]*)</.exec(xml)?.[1];
  const nr = /ErrorCode nr(\d{1,2})/.exec(message ?? '')?.[1];
  const success = statusCodes[0]?.endsWith(':Success') === true;
  const code = success ? 1 : nr !== undefined ? Number(nr) : undefined;
  const inResponseTo = attr(xml, 'Response', 'InResponseTo');
  const short = statusCodes.map((s) => s.replace(/^.*:/, '')).join('/');
  return {
    kind: 'Response',
    ...(id ? { id } : {}),
    ...(inResponseTo ? { inResponseTo } : {}),
    statusCodes,
    ...(code !== undefined ? { code } : {}),
    summary: `Response ${short || '(no status)'}${message ? ` "${message}"` : ''}${inResponseTo ? ` to ${inResponseTo}` : ''}`,
  };
}

function fromRequest(
  req: Request,
): { name: string; value: string; relay?: string; binding: 'redirect' | 'post' } | undefined {
  const u = new URL(req.url());
  for (const name of ['SAMLRequest', 'SAMLResponse']) {
    const q = u.searchParams.get(name);
    if (q) {
      const relay = u.searchParams.get('RelayState');
      return { name, value: q, binding: 'redirect', ...(relay ? { relay } : {}) };
    }
  }
  if (req.method() !== 'POST') return undefined;
  const body = req.postData();
  if (!body || !/SAML(Request|Response)=/.test(body)) return undefined;
  const form = new URLSearchParams(body);
  for (const name of ['SAMLRequest', 'SAMLResponse']) {
    const v = form.get(name);
    if (v) {
      const relay = form.get('RelayState');
      return { name, value: v, binding: 'post', ...(relay ? { relay } : {}) };
    }
  }
  return undefined;
}

/** Records every SAML message of `context`, tagged with the current step. */
export class SamlCapture {
  readonly messages: SamlMessage[] = [];
  private readonly t0 = performance.now();
  step = -1;

  constructor(context: BrowserContext) {
    context.on('request', (req) => this.onRequest(req));
  }

  private onRequest(req: Request): void {
    // Over OpenID Connect the same slots hold the authorization request and response (their JSON).
    const oidc = oidcMessage(req);
    if (oidc) {
      const u = new URL(req.url());
      this.messages.push({
        kind: oidc.kind,
        binding: 'redirect',
        url: `${u.origin}${u.pathname}`,
        xml: oidc.text,
        at: Math.round(performance.now() - this.t0),
        step: this.step,
        summary: oidc.summary,
        ...(oidc.code !== undefined ? { code: oidc.code } : {}),
      });
      return;
    }
    const found = fromRequest(req);
    if (!found) return;
    const xml = decode(found.value, found.binding);
    if (xml === undefined) return;
    const u = new URL(req.url());
    this.messages.push({
      ...summarise(xml),
      binding: found.binding,
      url: `${u.origin}${u.pathname}`,
      xml,
      at: Math.round(performance.now() - this.t0),
      step: this.step,
      ...(found.relay ? { relayState: found.relay } : {}),
    });
  }

  /** The last Response the browser carried. */
  lastResponse(): SamlMessage | undefined {
    return [...this.messages].reverse().find((m) => m.kind === 'Response');
  }
}
