/**
 * Drives a login through the IdP over HTTPS as a browser would (no JavaScript: the polling and the
 * auto-submitting form are done by hand), with the card side signed on an emulated card. Used by
 * the protocol tests and the benchmark; the browser tests do the same in Chromium.
 */
import type { RunningIdp } from '../server.ts';
import { L3_PATH } from '../pages/l3-pages.ts';
import { hiddenField, pageId, type HttpAnswer, type HttpClient } from '../client/https-client.ts';
import {
  authnRequestXml,
  postRequest,
  redirectQuery,
  requestId,
  type AuthnRequestSpec,
  type TestSp,
} from './test-sp.ts';
import { cardSign, type EmulatedCard } from './card-signer.ts';

export interface PostedResponse {
  readonly acs: string;
  readonly samlResponse: string;
  readonly xml: string;
  readonly relayState?: string;
  /** The IdP's outcome code written on the form (1 = success). */
  readonly code: number;
}

/** The auto-submitting SAMLResponse form of a page, if it is one. */
export function postedResponse(page: HttpAnswer): PostedResponse | undefined {
  const acs = /<form id="saml" method="post" action="([^"]+)" data-code="(\d+)"/.exec(page.body);
  const saml = hiddenField(page.body, 'SAMLResponse');
  if (!acs || !saml) return undefined;
  const relay = hiddenField(page.body, 'RelayState');
  return {
    acs: (acs[1] as string).replace(/&amp;/g, '&'),
    samlResponse: saml,
    xml: Buffer.from(saml, 'base64').toString('utf8'),
    code: Number(acs[2]),
    ...(relay === undefined ? {} : { relayState: relay }),
  };
}

export interface Started {
  readonly requestId: string;
  readonly page: HttpAnswer;
}

/** Sends an AuthnRequest (signed, valid unless `spec` says otherwise) and follows redirects. */
export async function beginLogin(
  c: HttpClient,
  idp: RunningIdp,
  sp: TestSp,
  o: { binding?: 'redirect' | 'post'; relayState?: string; spec?: AuthnRequestSpec } = {},
): Promise<Started> {
  const binding = o.binding ?? 'redirect';
  // The request is issued at the IdP's (possibly injected) time, as an SP with a synchronised clock would.
  const xml = authnRequestXml(sp, idp.urls, binding, o.spec, idp.context.clock.now());
  const first =
    binding === 'redirect'
      ? await c.get(
          `${idp.urls.ssoRedirect}?${redirectQuery(sp, xml, o.relayState === undefined ? {} : { relayState: o.relayState })}`,
        )
      : await c.postForm(idp.urls.ssoPost, {
          SAMLRequest: postRequest(sp, xml),
          ...(o.relayState === undefined ? {} : { RelayState: o.relayState }),
        });
  return { requestId: requestId(xml) ?? '', page: await c.follow(first) };
}

/** The flow key carried by the page's forms. */
export function flowKeyOf(page: HttpAnswer, name = 'value'): string {
  const k = hiddenField(page.body, name);
  if (!k)
    throw new Error(`no flow key on page '${pageId(page.body) ?? '?'}' (HTTP ${page.status})`);
  return k;
}

/** POSTs one form of the L3 pages and follows the redirect. */
export async function l3Post(
  c: HttpClient,
  idp: RunningIdp,
  key: string,
  fields: Readonly<Record<string, string>>,
): Promise<HttpAnswer> {
  return c.follow(c.postForm(`${idp.urls.base}${L3_PATH}`, { value: key, ...fields }));
}

export function qrPayloadOf(page: HttpAnswer): URL {
  const m = /data-qr-payload="([^"]+)"/.exec(page.body);
  if (!m) throw new Error(`no QR on page '${pageId(page.body) ?? '?'}'`);
  return new URL((m[1] as string).replace(/&amp;/g, '&'));
}

export interface AppResult {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** The app's H1 + H2 calls for a scanned QR, with the card signing the returned challenge. */
export async function appScan(
  c: HttpClient,
  idp: RunningIdp,
  qr: URL,
  card: EmulatedCard,
  o: { pin?: string; skipResolve?: boolean } = {},
): Promise<AppResult> {
  const opId = qr.searchParams.get('opId') ?? '';
  const userId = qr.searchParams.get('userId') ?? '';
  const certHex = card.image.ias.certificates.holder;
  const url = `${idp.urls.base}/idp/Authn/SSL/X509AuthIbridoTLS13`;
  let challenge = opId;
  if (!o.skipResolve) {
    const h1 = await c.postForm(url, { opId, userId, cert: certHex });
    const j = JSON.parse(h1.body) as Record<string, unknown>;
    if (h1.status !== 200) return { status: h1.status, json: j };
    challenge = String(j['challenge']);
  }
  const signed = await cardSign(card, challenge, o.pin ? { pin: o.pin } : {});
  const h2 = await c.postForm(url, {
    opId,
    userId,
    cert: signed.certificateHex,
    challenge: signed.signatureHex,
  });
  return { status: h2.status, json: JSON.parse(h2.body) as Record<string, unknown> };
}

/** A complete hybrid login up to the consent page; returns the consent page and the flow key. */
export async function hybridToConsent(
  c: HttpClient,
  idp: RunningIdp,
  sp: TestSp,
  card: EmulatedCard,
  relayState?: string,
): Promise<{ started: Started; key: string; consent: HttpAnswer }> {
  const started = await beginLogin(c, idp, sp, relayState === undefined ? {} : { relayState });
  const key = flowKeyOf(started.page);
  await l3Post(c, idp, key, { scelta: 'smartphone' });
  const qrPage = await l3Post(c, idp, key, {
    azione: 'seriale',
    seriale: card.serial,
    scelta: 'prosegui',
  });
  const app = await appScan(c, idp, qrPayloadOf(qrPage), card);
  if (app.status !== 200) throw new Error(`app call refused: ${JSON.stringify(app.json)}`);
  const consent = await l3Post(c, idp, key, {
    azione: 'otp',
    otp: String(app.json['otp']),
    scelta: 'prosegui',
  });
  return { started, key, consent };
}
