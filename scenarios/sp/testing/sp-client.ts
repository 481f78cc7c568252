/**
 * Test support: drives the reference SP over HTTP without a browser (fetch, manual redirects,
 * one cookie jar), and decodes what it sends to the IdP.
 */
import { inflateRawSync } from 'node:zlib';
import type { ServiceProvider } from '../service-provider.ts';

export interface RedirectLogin {
  /** The full Location the SP redirected to. */
  readonly location: URL;
  /** The raw query string exactly as sent (what the Redirect signature covers). */
  readonly rawQuery: string;
  readonly requestXml: string;
  readonly requestId: string;
  readonly relayState: string;
}

export interface PostLogin {
  readonly action: string;
  readonly requestXml: string;
  readonly requestId: string;
  readonly relayState: string;
}

function idOf(xml: string): string {
  const m = /<samlp:AuthnRequest[^>]*\sID="([^"]+)"/.exec(xml);
  if (!m?.[1]) throw new Error('no AuthnRequest ID');
  return m[1];
}

function decodeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export async function startRedirectLogin(sp: ServiceProvider, query = ''): Promise<RedirectLogin> {
  const res = await fetch(`${sp.urls.login}${query}`, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`/login answered ${res.status}`);
  const raw = res.headers.get('location') ?? '';
  const location = new URL(raw);
  const rawQuery = raw.slice(raw.indexOf('?') + 1);
  const requestXml = inflateRawSync(
    Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64'),
  ).toString('utf8');
  return {
    location,
    rawQuery,
    requestXml,
    requestId: idOf(requestXml),
    relayState: location.searchParams.get('RelayState') ?? '',
  };
}

export async function startPostLogin(sp: ServiceProvider): Promise<PostLogin> {
  const res = await fetch(`${sp.urls.login}?binding=post`, { redirect: 'manual' });
  if (res.status !== 200) throw new Error(`/login?binding=post answered ${res.status}`);
  const html = await res.text();
  const field = (name: string): string => {
    const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    if (!m?.[1]) throw new Error(`no ${name} in the POST form`);
    return decodeHtml(m[1]);
  };
  const action = decodeHtml(/action="([^"]+)"/.exec(html)?.[1] ?? '');
  const requestXml = Buffer.from(field('SAMLRequest'), 'base64').toString('utf8');
  return { action, requestXml, requestId: idOf(requestXml), relayState: field('RelayState') };
}

export interface AcsResult {
  readonly status: number;
  readonly location: string | null;
  readonly cookie: string | null;
  readonly body: string;
}

export async function postToAcs(
  sp: ServiceProvider,
  responseXml: string,
  relayState: string,
): Promise<AcsResult> {
  const res = await fetch(sp.urls.acs, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      SAMLResponse: Buffer.from(responseXml, 'utf8').toString('base64'),
      RelayState: relayState,
    }).toString(),
  });
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    location: res.headers.get('location'),
    cookie: setCookie ? (setCookie.split(';')[0] ?? null) : null,
    body: await res.text(),
  };
}
