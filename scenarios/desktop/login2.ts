/**
 * The CieID app's legacy `Authn/SSL/Login2` step (mutual TLS 1.2 with the card's certificate and
 * key), done with the card in a PC/SC reader through the bench's PKCS#11 module and OpenSSL's
 * engine instead of the phone's NFC key manager. Sources: italia/cieid-android-sdk
 * `common/CieIDSdk.kt` (form body `<name>=<value>&authnRequest=<authnRequestString>&generaCodice=1`,
 * answer `codice:<16 digits>`, continue URL `nextUrl?<name>=<value>&login=1&codice=…`) and the
 * IdP's protocol, scenarios/idp/L3-PROTOCOL.md §5.3. The app agent calls {@link login2} with the
 * hand-off it received; the PIN reaches the card through the daemon's PIN-entry channel (preset
 * it before: the engine signs synchronously and the caller cannot answer while it waits).
 */
import https from 'node:https';
import { z } from 'zod';
import { BenchError } from '../../emulator/src/host-error.ts';
import { engineTlsOptions } from '../../harness/pkcs11/engine.ts';

/** What the IdP's hand-off URL gives the app (`OpenApp?name&value&authnRequestString&nextUrl…`). */
export interface Handoff {
  readonly name: string;
  readonly value: string;
  readonly authnRequestString: string;
  readonly nextUrl: string;
}

const handoffSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  value: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  authnRequestString: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  nextUrl: z.url({ protocol: /^https$/ }),
});

export function parseHandoff(url: string): Handoff {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BenchError('HANDOFF_INVALID', `not a URL: ${url}`, 'input');
  }
  const r = handoffSchema.safeParse({
    name: u.searchParams.get('name'),
    value: u.searchParams.get('value'),
    authnRequestString: u.searchParams.get('authnRequestString'),
    nextUrl: u.searchParams.get('nextUrl'),
  });
  if (!r.success)
    throw new BenchError(
      'HANDOFF_INVALID',
      `hand-off URL: ${r.error.issues[0]?.message ?? ''}`,
      'input',
    );
  return r.data;
}

export interface Login2Options {
  /** `{IDP_MTLS}/idp/Authn/SSL/Login2`. */
  readonly endpoint: string;
  readonly handoff: Handoff;
  /** CA (PEM) the IdP's TLS certificate chains to. */
  readonly ca: string;
  /** The card's certificate (PEM) and the RFC 7512 URI of its key (harness/pkcs11/engine.ts). */
  readonly certificatePem: string;
  readonly keyUri: string;
  readonly timeoutMs?: number;
}

export type Login2Result =
  | { readonly ok: true; readonly code: string; readonly continueUrl: string }
  | {
      readonly ok: false;
      readonly status?: number;
      readonly body?: string;
      readonly tlsError?: string;
    };

/** POSTs the Login2 form over mutual TLS and builds the continue URL from `codice:<16 digits>`. */
export function login2(o: Login2Options): Promise<Login2Result> {
  const h = o.handoff;
  const body = `${h.name}=${h.value}&authnRequest=${h.authnRequestString}&generaCodice=1`;
  return new Promise((resolve) => {
    const req = https.request(
      o.endpoint,
      {
        method: 'POST',
        ca: o.ca,
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.2',
        agent: false,
        timeout: o.timeoutMs ?? 60_000,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
        ...engineTlsOptions({ certificatePem: o.certificatePem, keyUri: o.keyUri }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c.length + text.length > 65536 ? '' : c));
        res.on('end', () => {
          const m = /^codice:(\d{16})$/.exec(text.trim());
          if (res.statusCode !== 200 || !m)
            return resolve({
              ok: false,
              ...(res.statusCode ? { status: res.statusCode } : {}),
              body: text.slice(0, 2000),
            });
          const next = new URL(h.nextUrl);
          next.searchParams.set(h.name, h.value);
          next.searchParams.set('login', '1');
          next.searchParams.set('codice', m[1] as string);
          resolve({ ok: true, code: m[1] as string, continueUrl: next.toString() });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ ok: false, tlsError: e.message }));
    req.end(body);
  });
}
