/**
 * The SP actor over OpenID Connect: the reference relying party (`scenarios/sp/oidc`), trusting the
 * reference IdP's OpenID Provider through the bench trust anchor and registered there with its
 * trust mark, so the OP admits it by resolving its trust chain (automatic registration). It keeps
 * the bench SPs' page element ids, so journeys, page models and the `sp` oracle are unchanged: a
 * catalogue journey switches protocol with `"actors": { "sp": { "protocol": "oidc" } }` only.
 */
import { spTlsAuthority, issueTlsServerCertificate } from '../../sp/keys.ts';
import { startRelyingParty } from '../../sp/oidc/relying-party.ts';
import type { SpActor } from '../model.ts';
import type { IdpHandle } from './idp.ts';
import { SpActorError, spPageModelSchema, type SpHandle } from './sp.ts';

const HOST = '127.0.0.1';

/** Starts the reference RP for the reference IdP's OP and registers it at the trust anchor. */
export async function startOidcRp(a: SpActor, idp: IdpHandle): Promise<SpHandle> {
  if (a.kind !== 'reference')
    throw new SpActorError(
      `over OpenID Connect the SP actor is the reference relying party (kind 'reference'), not ${a.kind}`,
    );
  if (a.defects.length > 0)
    throw new SpActorError('SP defects are options of the reference SAML SP, not of the RP');
  const oidc = idp.reference?.oidc;
  if (!oidc)
    throw new SpActorError(
      'an OpenID Connect journey needs the reference IdP with its OpenID Provider',
    );
  // The RP's HTTPS certificate comes from the SP TLS authority, which the OP is told to trust
  // when it fetches the RP's Entity Configuration.
  const authority = spTlsAuthority();
  oidc.trustCa(authority.certPem);
  const tls = issueTlsServerCertificate(authority, [HOST, 'localhost'], 'ciebench-runner-rp');
  const rp = await startRelyingParty(
    {
      op: oidc.urls.issuer,
      trustAnchor: { entityId: oidc.urls.trustAnchor, jwks: oidc.anchor.jwks },
      trustCas: [idp.tlsCaPem],
      listen: HOST,
    },
    { tls: { keyPem: tls.keyPem, certPem: tls.certPem + authority.certPem } },
  );
  try {
    const added = await oidc.addRelyingParty({ entityId: rp.urls.entityId });
    rp.setTrustMarks(added.trustMarks);
  } catch (e) {
    await rp.close();
    throw new SpActorError(`the trust anchor did not register the RP: ${(e as Error).message}`);
  }
  return {
    kind: 'reference',
    protocol: 'oidc',
    description: `reference RP (OpenID Connect Federation) ${rp.urls.base}`,
    homeUrl: `${rp.urls.base}/`,
    entityId: rp.urls.entityId,
    acsUrl: rp.urls.callback,
    metadataXml: '',
    tlsCaPem: authority.certPem,
    pages: spPageModelSchema.parse({}),
    sessionUrl: rp.urls.attributes,
    close: () => rp.close(),
  };
}
