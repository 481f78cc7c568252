/**
 * A CIE SP metadata document for tests and the bench's own minimal SP: the layout of the published
 * examples (Regole tecniche CIE id, "Metadata SP"), signed with the SP's key. Every field can be
 * overridden or removed, so each metadata rule can be broken on purpose.
 */
import { escapeXml as x, NS } from '../saml/xml.ts';
import { signRootElement, type SigningKey } from '../saml/sign.ts';
import { BINDING } from '../sp-registry/sp-metadata.ts';

export interface SpMetadataSpec {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly sloUrl: string;
  readonly key: SigningKey;
  /** Base64 of the signing certificate DER. */
  readonly certificateBase64: string;
  readonly kind?: 'public' | 'private';
  readonly displayName?: string;
  readonly authnRequestsSigned?: string | null;
  readonly wantAssertionsSigned?: string | null;
  readonly attributes?: readonly string[];
  readonly extraAcs?: readonly { index: number; binding: string; location: string }[];
  /** Replace the administrative ContactPerson's Extensions content. */
  readonly contactExtensions?: string;
  readonly sign?: boolean;
  readonly logoUrl?: string;
  /** Edits the unsigned XML before it is signed (to break one rule at a time). */
  readonly edit?: (xml: string) => string;
}

function optAttr(name: string, v: string | null | undefined, dflt: string): string {
  if (v === null) return '';
  return ` ${name}="${x(v ?? dflt)}"`;
}

export function buildSpMetadata(s: SpMetadataSpec): string {
  const org = s.displayName ?? 'Comune di Prova (TEST)';
  const attrs = (s.attributes ?? ['name', 'familyName', 'dateOfBirth', 'fiscalNumber'])
    .map((a) => `<md:RequestedAttribute Name="${x(a)}"/>`)
    .join('');
  const ext =
    s.contactExtensions ??
    (s.kind === 'private'
      ? '<cie:Private/><cie:VATNumber>IT12345678901</cie:VATNumber><cie:FiscalCode>12345678901</cie:FiscalCode><cie:NACE2Code>62.01.00</cie:NACE2Code><cie:Municipality>H501</cie:Municipality>'
      : '<cie:Public/><cie:IPACode>c_h501</cie:IPACode><cie:Municipality>H501</cie:Municipality><cie:Province>RM</cie:Province>');
  const extraAcs = (s.extraAcs ?? [])
    .map(
      (a) =>
        `<md:AssertionConsumerService Binding="${a.binding}" Location="${x(a.location)}" index="${a.index}"/>`,
    )
    .join('');
  const ui = s.logoUrl
    ? `<md:Extensions><mdui:UIInfo xmlns:mdui="${NS.mdui}"><mdui:Logo height="64" width="64">${x(s.logoUrl)}</mdui:Logo></mdui:UIInfo></md:Extensions>`
    : '';
  const xml =
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" xmlns:cie="${NS.cie}" ID="_sp-metadata" entityID="${x(s.entityId)}">` +
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"` +
    optAttr('AuthnRequestsSigned', s.authnRequestsSigned, 'true') +
    optAttr('WantAssertionsSigned', s.wantAssertionsSigned, 'true') +
    `>${ui}<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${s.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${x(s.sloUrl)}"/>` +
    `<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>` +
    `<md:AssertionConsumerService Binding="${BINDING.post}" Location="${x(s.acsUrl)}" index="0" isDefault="true"/>` +
    extraAcs +
    `<md:AttributeConsumingService index="0"><md:ServiceName xml:lang="it">eIDAS Minimum Data Set</md:ServiceName>${attrs}</md:AttributeConsumingService>` +
    `</md:SPSSODescriptor>` +
    `<md:Organization><md:OrganizationName xml:lang="it">${x(org)}</md:OrganizationName>` +
    `<md:OrganizationDisplayName xml:lang="it">${x(org)}</md:OrganizationDisplayName>` +
    `<md:OrganizationURL xml:lang="it">${x(s.entityId)}</md:OrganizationURL></md:Organization>` +
    `<md:ContactPerson contactType="administrative"><md:Extensions>${ext}</md:Extensions>` +
    `<md:Company>${x(org)}</md:Company><md:EmailAddress>protocollo@comune.prova.example</md:EmailAddress>` +
    `</md:ContactPerson></md:EntityDescriptor>`;
  const edited = s.edit ? s.edit(xml) : xml;
  return s.sign === false ? edited : signRootElement(edited, s.key, false);
}
