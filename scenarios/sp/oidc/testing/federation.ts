/**
 * Test fixtures of the OpenID Connect side: the reference IdP with its OpenID Provider and trust
 * anchor, a reference relying party on the bench TLS certificate (so the OP can read its Entity
 * Configuration), its registration at the anchor, and a login driven over HTTPS the way a browser
 * goes (no JavaScript: the QR polling is skipped, forms are posted by hand), the card signing on
 * an emulated CIE through the reference IAS terminal.
 */
import { startIdp, type RunningIdp, type StartIdpOptions } from '../../../idp/server.ts';
import { HttpClient, pageId, type HttpAnswer } from '../../../idp/client/https-client.ts';
import type { EmulatedCard } from '../../../idp/testing/card-signer.ts';
import { appScan, flowKeyOf, l3Post, qrPayloadOf } from '../../../idp/testing/login-driver.ts';
import { benchKeys, certificatePem, privateKeyPem } from '../../../idp/trust/bench-keys.ts';
import type { AddRelyingParty, OidcConfig } from '../../../idp/oidc/setup.ts';
import { startRelyingParty, type RelyingParty, type RpRuntime } from '../relying-party.ts';
import type { RpOptionsInput } from '../rp-options.ts';

export interface Federation {
  readonly idp: RunningIdp;
  readonly rp: RelyingParty;
  readonly oidc: NonNullable<RunningIdp['oidc']>;
  close(): Promise<void>;
}

/** The bench TLS server certificate (its CA is the IdP's): the OP trusts it when fetching. */
export function benchTls(): RpRuntime['tls'] {
  const k = benchKeys();
  return {
    keyPem: privateKeyPem(k.tlsServer.key),
    certPem: certificatePem(k.tlsServer.certificate) + certificatePem(k.tlsCa.certificate),
  };
}

export interface FederationOptions {
  readonly idp?: StartIdpOptions;
  readonly oidc?: OidcConfig;
  readonly rp?: Partial<RpOptionsInput>;
  readonly rpRuntime?: Partial<RpRuntime>;
  /** Register the RP at the anchor (default: yes, public trust mark, one year). */
  readonly register?: Partial<AddRelyingParty> | false;
}

export async function startFederation(o: FederationOptions = {}): Promise<Federation> {
  const idp = await startIdp({ ...o.idp, oidc: { keys: 'random', ...o.oidc } });
  const oidc = idp.oidc;
  if (!oidc) throw new Error('the IdP started without OpenID Connect');
  const rp = await startRelyingParty(
    {
      op: oidc.urls.issuer,
      trustAnchor: { entityId: oidc.urls.trustAnchor, jwks: oidc.anchor.jwks },
      trustCas: [idp.tlsCaPem],
      ...o.rp,
    },
    { tls: benchTls(), ...o.rpRuntime },
  );
  if (o.register !== false) {
    const added = await oidc.addRelyingParty({ entityId: rp.urls.entityId, ...o.register });
    rp.setTrustMarks(added.trustMarks);
  }
  return {
    idp,
    rp,
    oidc,
    close: async () => {
      await rp.close();
      await idp.close();
    },
  };
}

/** A browser-like client trusting the bench CA, with a login cookie the RP knows. */
export function browser(f: Federation, name = 'browser-1'): HttpClient {
  const c = new HttpClient(f.idp.tlsCaPem);
  c.setCookie('ciebench_rp_login', name);
  return c;
}

/** From an authorization URL to the IdP's level-3 chooser page (or wherever the OP stops). */
export async function toIdp(c: HttpClient, url: URL | string): Promise<HttpAnswer> {
  return c.follow(c.get(String(url)));
}

/** Chooser → smartphone → serial → QR → the app signs with the card → OTP → the consent page. */
export async function hybridToConsent(
  c: HttpClient,
  f: Federation,
  chooser: HttpAnswer,
  card: EmulatedCard,
): Promise<{ key: string; consent: HttpAnswer }> {
  if (pageId(chooser.body) !== 'scelta')
    throw new Error(`expected the chooser page, got '${pageId(chooser.body) ?? chooser.status}'`);
  const key = flowKeyOf(chooser);
  await l3Post(c, f.idp, key, { scelta: 'smartphone' });
  const qr = await l3Post(c, f.idp, key, {
    azione: 'seriale',
    seriale: card.serial,
    scelta: 'prosegui',
  });
  const app = await appScan(c, f.idp, qrPayloadOf(qr), card);
  if (app.status !== 200) throw new Error(`app call refused: ${JSON.stringify(app.json)}`);
  const consent = await l3Post(c, f.idp, key, {
    azione: 'otp',
    otp: String(app.json['otp']),
    scelta: 'prosegui',
  });
  return { key, consent };
}

/** Posts the consent choice and follows the answer back to the relying party. */
export async function decide(
  c: HttpClient,
  f: Federation,
  key: string,
  choice: 'acconsento' | 'nego' | 'annulla',
): Promise<HttpAnswer> {
  return c.follow(
    c.postForm(`${f.idp.urls.base}/idp/login/livello3`, {
      value: key,
      azione: 'consenso',
      scelta: choice,
    }),
  );
}
