/**
 * Drives a third-party SP over HTTPS without a browser: from its home page through "Entra con CIE"
 * to the redirect to the IdP (the AuthnRequest is decoded there), then a crafted response from the
 * stand-in IdP posted to its ACS and the redirects followed to the page the user would see.
 */
import { inflateRawSync } from 'node:zlib';
import type { ThirdPartySp } from '../third-party/instance.ts';
import { attr, parseXml } from '../xml.ts';
import { buildResponse, type StandInIdp, type ResponseSpec } from './stand-in-idp.ts';
import { HttpsSession, type HttpsAnswer } from './https-session.ts';

export interface BegunLogin {
  readonly session: HttpsSession;
  /** The Location of the redirect to the IdP, exactly as sent. */
  readonly location: string;
  readonly requestXml: string;
  readonly requestId: string;
  readonly relayState: string;
}

/** Home page → "Entra con CIE" → redirects until one leaves for `idpOrigin`. */
export async function beginLogin(sp: ThirdPartySp, idpOrigin: string): Promise<BegunLogin> {
  const session = new HttpsSession(sp.tlsCaPem);
  const home = await session.get(sp.homeUrl);
  const href = /id="entra-con-cie" href="([^"]+)"/.exec(home.body)?.[1];
  if (!href) throw new Error(`no "Entra con CIE" link on ${sp.homeUrl} (HTTP ${home.status})`);
  let url = new URL(href.replace(/&amp;/g, '&'), sp.homeUrl).href;
  for (let hop = 0; hop < 5; hop++) {
    const r = await session.get(url);
    if (r.status !== 302 || !r.location)
      throw new Error(
        `${url} answered ${r.status}\n${r.body.slice(0, 500)}\n${sp.logs().slice(-3000)}`,
      );
    if (r.location.startsWith(idpOrigin)) {
      const u = new URL(r.location);
      const requestXml = inflateRawSync(
        Buffer.from(u.searchParams.get('SAMLRequest') ?? '', 'base64'),
      ).toString('utf8');
      return {
        session,
        location: r.location,
        requestXml,
        requestId: attr(parseXml(requestXml, 'AuthnRequest').documentElement!, 'ID') ?? '',
        relayState: u.searchParams.get('RelayState') ?? '',
      };
    }
    url = new URL(r.location, url).href;
  }
  throw new Error('too many redirects before the IdP');
}

/** Posts a crafted response to the SP's ACS and follows its redirects to the final page. */
export async function completeLogin(
  sp: ThirdPartySp,
  idp: StandInIdp,
  b: BegunLogin,
  edit: Partial<ResponseSpec> = {},
): Promise<HttpsAnswer> {
  const xml = buildResponse(idp, {
    acsUrl: sp.acsUrl,
    audience: sp.entityId,
    inResponseTo: b.requestId,
    ...edit,
  });
  let r = await b.session.postForm(sp.acsUrl, {
    SAMLResponse: Buffer.from(xml).toString('base64'),
    RelayState: b.relayState,
  });
  for (let hop = 0; hop < 5 && (r.status === 302 || r.status === 303) && r.location; hop++)
    r = await b.session.get(new URL(r.location, sp.acsUrl).href);
  return r;
}
