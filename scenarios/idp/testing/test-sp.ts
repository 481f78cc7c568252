/**
 * A minimal SP for tests and the bench: its own key and CIE metadata, AuthnRequests built and
 * signed with xml-crypto (every field can be set, removed or broken to provoke each error code),
 * and an independent verifier of what the IdP returns: `@node-saml/node-saml` configured as the
 * strictest SP (Response and Assertion signatures required, InResponseTo checked against its
 * cache, audience and issuer checked).
 */
import { createSign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  SAML,
  ValidateInResponseTo,
  type CacheProvider,
  type CacheItem,
} from '@node-saml/node-saml';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { generateRsaKey, type RsaPrivateKey } from '../../../emulator/src/crypto/rsa.ts';
import {
  issueCertificate,
  subjectKeyIdentifier,
} from '../../../emulator/src/personalise/pki/x509.ts';
import { serialFrom } from '../../../emulator/src/personalise/pki/test-pki.ts';
import type { IdpUrls } from '../config.ts';
import { ALG, signRootElement, type SigningKey } from '../saml/sign.ts';
import { escapeXml as x, NS } from '../saml/xml.ts';
import { certificateBase64, certificatePem, privateKeyPem } from '../trust/bench-keys.ts';
import { buildSpMetadata, type SpMetadataSpec } from './sp-metadata-builder.ts';

export interface TestSp {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly sloUrl: string;
  readonly key: SigningKey;
  readonly rsaKey: RsaPrivateKey;
  readonly certificateBase64: string;
  metadata(over?: Partial<SpMetadataSpec>): string;
}

const keyCache = new Map<string, { key: RsaPrivateKey; cert: Uint8Array }>();

export function testSp(o: { entityId?: string; acsUrl?: string; seed?: string } = {}): TestSp {
  const seed = o.seed ?? 'ciebench-test-sp';
  let k = keyCache.get(seed);
  if (!k) {
    const key = generateRsaKey(seededRng(`${seed}|key`), 2048);
    const name = [
      ['CN', 'sp.comune.prova.example'],
      ['O', 'Comune di Prova (TEST)'],
      ['C', 'IT'],
    ] as const;
    const cert = issueCertificate({
      serialNumber: serialFrom(`${seed}|cert`),
      subject: name,
      issuer: name,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2044-01-01T00:00:00Z'),
      subjectKey: key,
      issuerKey: key,
      signature: { kind: 'pkcs1', hash: 'sha256' },
      extensions: [subjectKeyIdentifier(key)],
    });
    k = { key, cert };
    keyCache.set(seed, k);
  }
  const entityId = o.entityId ?? 'https://sp.comune.prova.example/cie';
  const acsUrl = o.acsUrl ?? 'https://sp.comune.prova.example/cie/acs';
  const sp = {
    entityId,
    acsUrl,
    sloUrl: `${entityId}/logout`,
    key: { privateKeyPem: privateKeyPem(k.key), certificatePem: certificatePem(k.cert) },
    rsaKey: k.key,
    certificateBase64: certificateBase64(k.cert),
  };
  return { ...sp, metadata: (over = {}) => buildSpMetadata({ ...sp, ...over }) };
}

/** Every attribute and element of an AuthnRequest; `null` removes it. */
export interface AuthnRequestSpec {
  readonly rootName?: string;
  readonly id?: string | null;
  readonly version?: string | null;
  readonly issueInstant?: string | null;
  readonly destination?: string | null;
  readonly acsUrl?: string | null;
  readonly protocolBinding?: string | null;
  readonly acsIndex?: string | null;
  readonly attributeIndex?: string | null;
  readonly forceAuthn?: string | null;
  readonly isPassive?: string | null;
  readonly issuer?: string | null;
  readonly issuerFormat?: string | null;
  readonly nameIdFormat?: string | null;
  readonly allowCreate?: string | null;
  readonly nameIdPolicy?: boolean;
  readonly comparison?: string | null;
  readonly classRefs?: readonly string[];
  readonly authnContext?: boolean;
  readonly extraXml?: string;
}

function a(name: string, v: string | null | undefined, dflt?: string): string {
  const val = v === undefined ? dflt : v;
  return val === null || val === undefined ? '' : ` ${name}="${x(val)}"`;
}

let counter = 0;

/** An AuthnRequest for `binding`, valid for the CIE IdP unless `s` says otherwise. */
export function authnRequestXml(
  sp: TestSp,
  idp: IdpUrls,
  binding: 'redirect' | 'post',
  s: AuthnRequestSpec = {},
  now = new Date(),
): string {
  const root = s.rootName ?? 'AuthnRequest';
  const id =
    s.id === undefined
      ? `_req${Date.now().toString(16)}${(counter++).toString(16).padStart(4, '0')}`
      : s.id;
  const useUrl = s.acsIndex === undefined || s.acsIndex === null;
  const policy =
    s.nameIdPolicy === false
      ? ''
      : `<samlp:NameIDPolicy${a('Format', s.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient')}${a('AllowCreate', s.allowCreate)}/>`;
  const refs = (s.classRefs ?? ['https://www.spid.gov.it/SpidL3'])
    .map((r) => `<saml:AuthnContextClassRef>${x(r)}</saml:AuthnContextClassRef>`)
    .join('');
  const rac =
    s.authnContext === false
      ? ''
      : `<samlp:RequestedAuthnContext${a('Comparison', s.comparison, 'minimum')}>${refs}</samlp:RequestedAuthnContext>`;
  const issuer =
    s.issuer === null
      ? ''
      : `<saml:Issuer${a('Format', s.issuerFormat)} NameQualifier="${x(sp.entityId)}">${x(s.issuer ?? sp.entityId)}</saml:Issuer>`;
  return (
    `<samlp:${root} xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}"` +
    a('ID', id) +
    a('Version', s.version, '2.0') +
    a('IssueInstant', s.issueInstant, now.toISOString()) +
    a('Destination', s.destination, binding === 'redirect' ? idp.ssoRedirect : idp.ssoPost) +
    a('AssertionConsumerServiceURL', s.acsUrl, useUrl ? sp.acsUrl : undefined) +
    a(
      'ProtocolBinding',
      s.protocolBinding,
      useUrl ? 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST' : undefined,
    ) +
    a('AssertionConsumerServiceIndex', s.acsIndex) +
    a('AttributeConsumingServiceIndex', s.attributeIndex, '0') +
    a('ForceAuthn', s.forceAuthn, 'true') +
    a('IsPassive', s.isPassive) +
    `>${issuer}${policy}${rac}${s.extraXml ?? ''}</samlp:${root}>`
  );
}

export function requestId(xml: string): string | undefined {
  return / ID="([^"]+)"/.exec(xml)?.[1];
}

/** HTTP-POST: the signed request, base64. */
export function postRequest(sp: TestSp, xml: string, sign = true): string {
  return Buffer.from(sign ? signRootElement(xml, sp.key) : xml, 'utf8').toString('base64');
}

/** HTTP-Redirect: the raw query string, signed over the octets as sent (SAML bindings §3.4.4.1). */
export function redirectQuery(
  sp: TestSp,
  xml: string,
  o: { relayState?: string; sigAlg?: string; hash?: string; encode?: (s: string) => string } = {},
): string {
  const enc = o.encode ?? encodeURIComponent;
  const sigAlg = o.sigAlg ?? ALG.rsaSha256;
  let q = `SAMLRequest=${enc(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (o.relayState !== undefined) q += `&RelayState=${enc(o.relayState)}`;
  q += `&SigAlg=${enc(sigAlg)}`;
  const sig = createSign(o.hash ?? 'RSA-SHA256')
    .update(q)
    .sign(sp.key.privateKeyPem);
  return `${q}&Signature=${enc(sig.toString('base64'))}`;
}

/** The InResponseTo cache node-saml consults (its own in-memory one is not exported). */
export class MapCache implements CacheProvider {
  private readonly m = new Map<string, CacheItem>();
  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    if (this.m.has(key)) return null;
    const item = { value, createdAt: Date.now() };
    this.m.set(key, item);
    return item;
  }
  async getAsync(key: string): Promise<string | null> {
    return this.m.get(key)?.value ?? null;
  }
  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null || !this.m.has(key)) return null;
    this.m.delete(key);
    return key;
  }
}

/** node-saml as the SP: strict, with the request ID pre-registered in its InResponseTo cache. */
export async function nodeSamlSp(
  sp: TestSp,
  idp: { urls: IdpUrls; signingCertificatePem: string },
  requestIds: readonly string[],
  cacheProvider: MapCache = new MapCache(),
): Promise<SAML> {
  for (const id of requestIds) await cacheProvider.saveAsync(id, new Date().toISOString());
  return new SAML({
    callbackUrl: sp.acsUrl,
    issuer: sp.entityId,
    audience: sp.entityId,
    idpCert: idp.signingCertificatePem,
    idpIssuer: idp.urls.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: ValidateInResponseTo.always,
    cacheProvider,
    acceptedClockSkewMs: 1000,
  });
}
