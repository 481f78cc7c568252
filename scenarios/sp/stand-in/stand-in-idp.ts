/**
 * A stand-in for the identity provider's *signing* side, so an SP's ACS can be exercised on its
 * own with crafted responses (the SP tests, the installation check of the third-party SPs, and
 * the scenario runner's SP response cases). Its key is a TEST key derived from a seed. It writes IdP metadata and CIE-shaped Responses
 * ("Regole tecniche CIE id", chapter Protocolli: Response and Assertion both signed rsa-sha256 /
 * exc-c14n, Issuer without Format on the Response, transient NameID with NameQualifier, bearer
 * SubjectConfirmation, 5-minute Conditions, SpidL3, the four eIDAS attributes) and lets a test
 * change any part before signing. It is not an IdP (no pages, no request checks): the reference IdP
 * lives in scenarios/idp.
 */
import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { spSigningMaterial, type PemKeyPair } from '../keys.ts';
import { ALG } from '../metadata.ts';
import { BINDING, NS, esc } from '../xml.ts';

export const STAND_IN_IDP_BASE = 'https://idp.stand-in.ciebench.invalid';
export const STAND_IN_IDP_ENTITY_ID = `${STAND_IN_IDP_BASE}/idp/profile/SAML2/POST/SSO`;

export interface StandInIdp {
  readonly entityId: string;
  readonly signing: PemKeyPair;
  readonly metadataXml: string;
}

export function standInIdp(seed = 'stand-in-idp'): StandInIdp {
  const signing = spSigningMaterial(seed, 'idp.stand-in.ciebench.invalid');
  const cert = signing.certPem.replace(/-----[^-]+-----|\s/g, '');
  const sso = (b: string): string =>
    `<md:SingleSignOnService Binding="${b === 'redirect' ? BINDING.redirect : BINDING.post}" Location="${STAND_IN_IDP_BASE}/idp/profile/SAML2/${b === 'redirect' ? 'Redirect' : 'POST'}/SSO"/>`;
  const metadataXml = [
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${STAND_IN_IDP_ENTITY_ID}">`,
    `<md:IDPSSODescriptor protocolSupportEnumeration="${NS.samlp}">`,
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${STAND_IN_IDP_BASE}/idp/profile/SAML2/Redirect/SLO"/>`,
    sso('redirect'),
    sso('post'),
    '</md:IDPSSODescriptor></md:EntityDescriptor>',
  ].join('');
  return { entityId: STAND_IN_IDP_ENTITY_ID, signing, metadataXml };
}

export interface ResponseSpec {
  readonly acsUrl: string;
  readonly audience: string;
  readonly inResponseTo: string;
  readonly now?: Date;
  readonly issuer?: string;
  readonly responseIssuerFormat?: string;
  readonly destination?: string;
  readonly recipient?: string;
  readonly classRef?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  /** Status instead of Success (no Assertion then). */
  readonly status?: { readonly code: string; readonly subCode?: string; readonly message?: string };
  /** Leave `samlp:Status` out of a successful Response (mandatory: SAML Core §3.2.2). */
  readonly omitStatus?: boolean;
  readonly signResponse?: boolean;
  readonly signAssertion?: boolean;
  /** Signing key (default: the stand-in IdP's). */
  readonly signer?: PemKeyPair;
  /** Edit the assertion XML after it is signed (to tamper with signed content). */
  readonly afterAssertionSigned?: (xml: string) => string;
}

export const DEFAULT_ATTRIBUTES = {
  name: 'MARIO',
  familyName: 'ROSSI',
  dateOfBirth: '1980-01-01',
  fiscalNumber: 'TINIT-RSSMRA80A01H501U',
} as const;

const FRIENDLY: Record<string, string> = {
  name: 'Nome',
  familyName: 'Cognome',
  dateOfBirth: 'Data di Nascita',
  fiscalNumber: 'Codice Fiscale',
};

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

function sign(xml: string, local: string, signer: PemKeyPair): string {
  const sig = new SignedXml({
    privateKey: signer.keyPem,
    publicCert: signer.certPem,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  const xpath = `/*[local-name(.)='${local}']`;
  sig.addReference({
    xpath,
    transforms: [ALG.enveloped, ALG.excC14n],
    digestAlgorithm: ALG.sha256,
  });
  // After the Issuer, as the SAML schema orders ds:Signature.
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

const id = (): string => `_${randomBytes(16).toString('hex')}`;

function assertionXml(spec: ResponseSpec, idp: StandInIdp, now: Date): string {
  const plus5 = new Date(now.getTime() + 5 * 60_000).toISOString();
  const t = now.toISOString();
  const attributes = Object.entries(spec.attributes ?? DEFAULT_ATTRIBUTES)
    .map(
      ([k, v]) =>
        `<saml:Attribute Name="${esc(k)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"${FRIENDLY[k] ? ` FriendlyName="${FRIENDLY[k]}"` : ''}><saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${NS.xsi}" xsi:type="xs:string">${esc(v)}</saml:AttributeValue></saml:Attribute>`,
    )
    .join('');
  const issuer = spec.issuer ?? idp.entityId;
  return [
    `<saml:Assertion xmlns:saml="${NS.saml}" ID="${id()}" Version="2.0" IssueInstant="${t}">`,
    `<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${esc(issuer)}</saml:Issuer>`,
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" NameQualifier="${esc(idp.entityId)}">${id()}</saml:NameID>`,
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${esc(spec.inResponseTo)}" NotOnOrAfter="${plus5}" Recipient="${esc(spec.recipient ?? spec.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>`,
    `<saml:Conditions NotBefore="${t}" NotOnOrAfter="${plus5}"><saml:AudienceRestriction><saml:Audience>${esc(spec.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`,
    `<saml:AuthnStatement AuthnInstant="${t}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>${esc(spec.classRef ?? 'https://www.spid.gov.it/SpidL3')}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`,
    '</saml:Assertion>',
  ].join('');
}

/** A CIE Response as XML (signed as `spec` says: both by default). */
export function buildResponse(idp: StandInIdp, spec: ResponseSpec): string {
  const now = spec.now ?? new Date();
  const signer = spec.signer ?? idp.signing;
  let body: string;
  if (spec.status) {
    const sub = spec.status.subCode
      ? `<samlp:StatusCode Value="${STATUS}${spec.status.subCode}"/>`
      : '';
    const msg = spec.status.message
      ? `<samlp:StatusMessage>${esc(spec.status.message)}</samlp:StatusMessage>`
      : '';
    body = `<samlp:Status><samlp:StatusCode Value="${STATUS}${spec.status.code}">${sub}</samlp:StatusCode>${msg}</samlp:Status>`;
  } else {
    let a = assertionXml(spec, idp, now);
    if (spec.signAssertion !== false) a = sign(a, 'Assertion', signer);
    if (spec.afterAssertionSigned) a = spec.afterAssertionSigned(a);
    const status = `<samlp:Status><samlp:StatusCode Value="${STATUS}Success"/></samlp:Status>`;
    body = `${spec.omitStatus ? '' : status}${a}`;
  }
  const format = spec.responseIssuerFormat ? ` Format="${esc(spec.responseIssuerFormat)}"` : '';
  const xml = [
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${id()}" Version="2.0"`,
    ` IssueInstant="${now.toISOString()}" Destination="${esc(spec.destination ?? spec.acsUrl)}" InResponseTo="${esc(spec.inResponseTo)}">`,
    `<saml:Issuer${format}>${esc(spec.issuer ?? idp.entityId)}</saml:Issuer>`,
    body,
    '</samlp:Response>',
  ].join('');
  return spec.signResponse === false ? xml : sign(xml, 'Response', signer);
}
