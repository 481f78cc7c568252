/**
 * Test support: the phone's part of a hybrid login, done by the bench's reference IAS terminal on
 * an emulated card (a real client of the card: DH + device authentication + VERIFY PIN + read the
 * EF 1003 certificate + INTERNAL AUTHENTICATE with key 81), talking to the IdP's app endpoint as
 * the bench IdP's L3 protocol describes (scenarios/idp/L3-PROTOCOL.md §4.3):
 *
 *   H1 POST {IDP}/idp/Authn/SSL/X509AuthIbridoTLS13  opId, userId, cert          → challenge
 *   H2 POST (same)                                   opId, userId, cert, challenge=<hex sign(challenge)> → otp
 *
 * The card signs DigestInfo(SHA-256(challenge as UTF-8)), i.e. RSASSA-PKCS1-v1_5 SHA-256, in
 * the mobile command sequence (scenarios/idp/testing/card-signer.ts). Unlike the IdP's own test
 * driver, the certificate sent in H1 is the one read from the card, and the IdP host can be
 * reached under its real name (impersonation) through `connectTo`.
 */
import { request } from 'node:https';
import { isIP } from 'node:net';
import { cardSign, type EmulatedCard } from '../../idp/testing/card-signer.ts';

export const HYBRID_PATH = '/idp/Authn/SSL/X509AuthIbridoTLS13';

export interface QrFields {
  readonly idpOrigin: string;
  readonly opId: string;
  readonly userId: string;
}

/** The fields of a QR payload `…/idp/erroreQr.jsp?opId=…&userId=…` (other parameters ignored). */
export function parseQrPayload(payload: string): QrFields {
  const u = new URL(payload);
  const opId = u.searchParams.get('opId');
  const userId = u.searchParams.get('userId');
  if (u.pathname !== '/idp/erroreQr.jsp' || !opId || !userId)
    throw new Error(`not a hybrid QR payload: ${payload}`);
  return { idpOrigin: u.origin, opId, userId };
}

export interface CardSideOptions {
  /** The emulated card and the PIN its holder knows (the IdP's test helper). */
  readonly card: EmulatedCard;
  /** PEM of the IdP's TLS CA. */
  readonly caPem: string;
  /** Where to connect for the IdP's host (impersonation: the real host name → 127.0.0.1:port). */
  readonly connectTo?: { readonly host: string; readonly port: number };
}

export interface AppAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

function postForm(
  url: string,
  fields: Record<string, string>,
  o: CardSideOptions,
): Promise<AppAnswer> {
  const body = new URLSearchParams(fields).toString();
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: 'POST',
        host: o.connectTo?.host ?? u.hostname,
        port: o.connectTo?.port ?? Number(u.port || 443),
        ...(isIP(u.hostname) ? {} : { servername: u.hostname }),
        path: `${u.pathname}${u.search}`,
        ca: o.caPem,
        headers: {
          host: u.host,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function cardSigns(
  o: CardSideOptions,
  message: string,
): Promise<{ cert: string; signature: string }> {
  const s = await cardSign(o.card, message);
  return { cert: s.certificateHex, signature: s.signatureHex };
}

export interface HybridResult {
  readonly h1: AppAnswer;
  readonly h2: AppAnswer | undefined;
  /** The 4-digit code the app shows, when the IdP accepted the signature. */
  readonly otp: string | undefined;
}

/**
 * Scans `qrPayload` and completes the phone's part. The card session signs the opId first (the
 * IdP's default challenge); when H1 names another challenge the card signs that one in a second
 * session. Stops after H1 if the IdP refuses the certificate there.
 */
export async function completeHybridOnPhone(
  qrPayload: string,
  o: CardSideOptions,
): Promise<HybridResult> {
  const qr = parseQrPayload(qrPayload);
  const url = `${qr.idpOrigin}${HYBRID_PATH}`;
  let signed = await cardSigns(o, qr.opId);
  const h1 = await postForm(url, { opId: qr.opId, userId: qr.userId, cert: signed.cert }, o);
  if (h1.status !== 200 || h1.json['esito'] !== 'OK') return { h1, h2: undefined, otp: undefined };
  const challenge = String(h1.json['challenge'] ?? qr.opId);
  if (challenge !== qr.opId) signed = await cardSigns(o, challenge);
  const h2 = await postForm(
    url,
    { opId: qr.opId, userId: qr.userId, cert: signed.cert, challenge: signed.signature },
    o,
  );
  const otp = typeof h2.json['otp'] === 'string' ? h2.json['otp'] : undefined;
  return { h1, h2, otp };
}
