/**
 * The relying party as a federation entity (italia/spid-cie-oidc-docs `docs/it/metadata_oidc_rp.rst`,
 * `entity_configuration.rst`): three key pairs — the federation key that signs its Entity
 * Configuration, and in its `openid_relying_party` metadata one signing key (request objects,
 * client assertions) and one encryption key (the OP encrypts the ID Token and UserInfo to it) —
 * and the Entity Configuration itself: `authority_hints` = the trust anchor (never the OP),
 * `trust_marks` issued by the anchor, `jwks` inline, `federation_entity` (organisation, homepage,
 * policy, logo, contacts, resolve endpoint) and `openid_relying_party` metadata.
 */
import { ecJwk, randomJwk, rsaJwk, type JwkPair } from '../../oidc/federation/keys.ts';
import { signStatement } from '../../oidc/federation/statements.ts';
import type { RpOptions } from './rp-options.ts';

export interface RpKeys {
  readonly federation: JwkPair;
  readonly signing: JwkPair;
  readonly encryption: JwkPair;
}

/** The relying party's keys: from `keySeed` when given (stable), else fresh. */
export function rpKeys(o: RpOptions): RpKeys {
  const seed = o.keySeed;
  const isEc = (alg: string): boolean => alg === 'ES256' || alg.startsWith('ECDH');
  const key = (role: string, use: 'sig' | 'enc', alg: string): JwkPair =>
    seed
      ? withUse(isEc(alg) ? ecJwk(`${seed}|${role}`) : rsaJwk(`${seed}|${role}`), use, alg)
      : randomJwk(use, alg);
  return {
    federation: key('rp-federation', 'sig', 'RS256'),
    signing: key('rp-sig', 'sig', o.signingAlg),
    encryption: key('rp-enc', 'enc', o.userinfoEncryption.alg),
  };
}

function withUse(k: JwkPair, use: 'sig' | 'enc', alg: string): JwkPair {
  return { ...k, use, alg, publicJwk: { ...k.publicJwk, use, alg } };
}

/** The `openid_relying_party` metadata. */
export function relyingPartyMetadata(
  o: RpOptions,
  entityId: string,
  redirectUri: string,
  keys: RpKeys,
): Record<string, unknown> {
  return {
    client_id: entityId,
    client_name: o.serviceName,
    client_registration_types: ['automatic'],
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: o.offlineAccess ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: o.signingAlg,
    request_object_signing_alg: o.signingAlg,
    id_token_signed_response_alg: o.signingAlg,
    ...(o.idTokenEncryption
      ? {
          id_token_encrypted_response_alg: o.idTokenEncryption.alg,
          id_token_encrypted_response_enc: o.idTokenEncryption.enc,
        }
      : {}),
    userinfo_signed_response_alg: o.signingAlg,
    userinfo_encrypted_response_alg: o.userinfoEncryption.alg,
    userinfo_encrypted_response_enc: o.userinfoEncryption.enc,
    jwks: { keys: [keys.signing.publicJwk, keys.encryption.publicJwk] },
    contacts: ['protocollo@ciebench.invalid'],
  };
}

export interface RpEntityInput {
  readonly entityId: string;
  readonly redirectUri: string;
  readonly anchor: string;
  readonly options: RpOptions;
  readonly keys: RpKeys;
  readonly trustMarks: readonly { id: string; trust_mark: string }[];
  /** Seconds since the epoch. */
  readonly now: number;
  /** Replaces parts of the statement (tests: a configuration that breaks a rule). */
  readonly modify?: (payload: Record<string, unknown>) => Record<string, unknown>;
}

/** The relying party's signed Entity Configuration. */
export function rpEntityConfiguration(i: RpEntityInput): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: i.entityId,
    sub: i.entityId,
    iat: i.now,
    exp: i.now + 24 * 3600,
    jwks: { keys: [i.keys.federation.publicJwk] },
    authority_hints: [i.anchor],
    ...(i.trustMarks.length ? { trust_marks: i.trustMarks } : {}),
    metadata: {
      federation_entity: {
        organization_name: i.options.serviceName,
        homepage_uri: `${i.entityId}/`,
        policy_uri: `${i.entityId}/privacy`,
        logo_uri: `${i.entityId}/logo.svg`,
        contacts: ['protocollo@ciebench.invalid'],
        federation_resolve_endpoint: `${i.entityId}/resolve`,
      },
      openid_relying_party: relyingPartyMetadata(i.options, i.entityId, i.redirectUri, i.keys),
    },
  };
  return signStatement(i.modify ? i.modify(payload) : payload, i.keys.federation);
}
