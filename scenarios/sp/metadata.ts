/**
 * SAML metadata of the reference SP, laid out as the CIE federation rules ask ("Regole tecniche
 * CIE id", chapter Federazione, public at italia/cie-eid-saml-docs:docs/it/federazione.rst), in
 * the element order of the CIE metadata schema used by spid-sp-test
 * (italia/spid-sp-test:src/spid_sp_test/xsd/cie/saml-schema-metadata-sp-cie.xsd, cie.xsd):
 *
 * ```
 * EntityDescriptor(entityID, ID)
 *   ds:Signature                      enveloped, rsa-sha256, exc-c14n (first child)
 *   SPSSODescriptor(AuthnRequestsSigned=true, WantAssertionsSigned=true)
 *     KeyDescriptor use="signing"     full X509Certificate
 *     SingleLogoutService             HTTP-Redirect
 *     NameIDFormat                    transient
 *     AssertionConsumerService        HTTP-POST, index 0, isDefault
 *     AttributeConsumingService       index 0: ServiceName xml:lang="" + name, familyName,
 *                                     dateOfBirth, fiscalNumber (NameFormat basic)
 *   Organization                      Name / DisplayName / URL, xml:lang="it"
 *   ContactPerson administrative      Extensions: cie:Public + IPACode [+ IPACategory] |
 *                                     cie:Private [+ VATNumber] [+ FiscalCode] [+ NACE2Code…];
 *                                     then Municipality [+ Province] [+ Country];
 *                                     Company, EmailAddress, [TelephoneNumber]
 *   [ContactPerson technical]         the external technology partner, same shape
 * ```
 */
import { createHash } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { SpContact, SpOptions } from './config.ts';
import { certificateBase64, type PemKeyPair } from './keys.ts';
import { BINDING, NS, esc } from './xml.ts';

/** The eIDAS minimum dataset, the only attributes the CIE IdP releases. */
export const EIDAS_MINIMUM_ATTRIBUTES = ['name', 'familyName', 'dateOfBirth', 'fiscalNumber'];

const ATTRNAME_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

export const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** The endpoints the metadata publishes. */
export interface SpEndpoints {
  readonly entityId: string;
  readonly acs: string;
  readonly slo: string;
}

function contactXml(type: 'administrative' | 'technical', c: SpContact, org: string): string {
  const ext: string[] = [];
  if (c.entity.kind === 'public') {
    ext.push('<cie:Public/>', `<cie:IPACode>${esc(c.entity.ipaCode)}</cie:IPACode>`);
    if (c.entity.ipaCategory)
      ext.push(`<cie:IPACategory>${esc(c.entity.ipaCategory)}</cie:IPACategory>`);
  } else {
    ext.push('<cie:Private/>');
    if (c.entity.vatNumber) ext.push(`<cie:VATNumber>${esc(c.entity.vatNumber)}</cie:VATNumber>`);
    ext.push(`<cie:FiscalCode>${esc(c.entity.fiscalCode)}</cie:FiscalCode>`);
    for (const n of c.entity.nace2Codes) ext.push(`<cie:NACE2Code>${esc(n)}</cie:NACE2Code>`);
  }
  ext.push(`<cie:Municipality>${esc(c.municipality)}</cie:Municipality>`);
  if (c.province) ext.push(`<cie:Province>${esc(c.province)}</cie:Province>`);
  if (c.country) ext.push(`<cie:Country>${esc(c.country)}</cie:Country>`);
  // The administrative contact's Company must repeat OrganizationName exactly.
  const company = type === 'administrative' ? org : (c.company ?? org);
  return [
    `<md:ContactPerson contactType="${type}">`,
    `<md:Extensions>${ext.join('')}</md:Extensions>`,
    `<md:Company>${esc(company)}</md:Company>`,
    `<md:EmailAddress>${esc(c.email)}</md:EmailAddress>`,
    c.telephone ? `<md:TelephoneNumber>${esc(c.telephone)}</md:TelephoneNumber>` : '',
    '</md:ContactPerson>',
  ].join('');
}

/** A stable XML ID for the EntityDescriptor (the signature's Reference URI points at it). */
function descriptorId(entityId: string): string {
  return `_${createHash('sha256').update(entityId).digest('hex').slice(0, 40)}`;
}

/** Unsigned metadata XML. */
export function buildSpMetadata(
  options: SpOptions,
  endpoints: SpEndpoints,
  signingCertPem: string,
): string {
  const org = options.organization;
  const requested = EIDAS_MINIMUM_ATTRIBUTES.map(
    (a) => `<md:RequestedAttribute Name="${a}" NameFormat="${ATTRNAME_BASIC}"/>`,
  ).join('');
  return [
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" xmlns:cie="${NS.cie}"`,
    ` entityID="${esc(endpoints.entityId)}" ID="${descriptorId(endpoints.entityId)}">`,
    `<md:SPSSODescriptor protocolSupportEnumeration="${NS.samlp}"`,
    ' AuthnRequestsSigned="true" WantAssertionsSigned="true">',
    '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>',
    certificateBase64(signingCertPem),
    '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>',
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${esc(endpoints.slo)}"/>`,
    `<md:NameIDFormat>${TRANSIENT}</md:NameIDFormat>`,
    `<md:AssertionConsumerService Binding="${BINDING.post}" Location="${esc(endpoints.acs)}"`,
    ' index="0" isDefault="true"/>',
    '<md:AttributeConsumingService index="0">',
    `<md:ServiceName xml:lang="">${esc(options.serviceName)}</md:ServiceName>`,
    requested,
    '</md:AttributeConsumingService>',
    '</md:SPSSODescriptor>',
    '<md:Organization>',
    `<md:OrganizationName xml:lang="it">${esc(org.name)}</md:OrganizationName>`,
    `<md:OrganizationDisplayName xml:lang="it">${esc(org.displayName)}</md:OrganizationDisplayName>`,
    `<md:OrganizationURL xml:lang="it">${esc(org.url)}</md:OrganizationURL>`,
    '</md:Organization>',
    contactXml('administrative', options.administrativeContact, org.name),
    options.technicalContact ? contactXml('technical', options.technicalContact, org.name) : '',
    '</md:EntityDescriptor>',
  ].join('');
}

/**
 * Signs a SAML document with an enveloped signature over its root (exclusive c14n, rsa-sha256,
 * sha256 digest), placing ds:Signature as the root's first child (where the metadata schema
 * wants it) and the full certificate in KeyInfo.
 */
export function signRootEnveloped(xml: string, signing: PemKeyPair): string {
  const root = '/*[1]';
  const sig = new SignedXml({
    privateKey: signing.keyPem,
    publicCert: signing.certPem,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  sig.addReference({
    xpath: root,
    transforms: [ALG.enveloped, ALG.excC14n],
    digestAlgorithm: ALG.sha256,
  });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: root, action: 'prepend' } });
  return sig.getSignedXml();
}

/** Signed metadata, ready to publish or to register at an IdP. */
export function signedSpMetadata(
  options: SpOptions,
  endpoints: SpEndpoints,
  signing: PemKeyPair,
): string {
  return signRootEnveloped(buildSpMetadata(options, endpoints, signing.certPem), signing);
}
