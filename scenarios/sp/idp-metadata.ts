/**
 * Reads what an SP needs from the identity provider's SAML metadata (SAML 2.0 Metadata §2.4.3,
 * IDPSSODescriptor): entityID, SingleSignOnService per binding, the HTTP-Redirect
 * SingleLogoutService (the CIE IdP answers a plain GET there, clearing its own session) and the
 * signing certificates. The real CIE metadata lists the SAML2 endpoints next to SAML1/Shibboleth
 * ones; only the SAML 2.0 bindings are used.
 */
import { BINDING, NS, attr, children, parseXml, text, XmlInputError } from './xml.ts';

export interface IdpMetadata {
  readonly entityId: string;
  readonly ssoRedirect: string;
  readonly ssoPost: string;
  readonly sloRedirect: string | undefined;
  /** Base64 DER of each signing certificate (use="signing" or no use). */
  readonly signingCertificates: readonly string[];
}

export function parseIdpMetadata(xml: string): IdpMetadata {
  const doc = parseXml(xml, 'IdP metadata');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS.md || root.localName !== 'EntityDescriptor')
    throw new XmlInputError('IdP metadata: the root is not md:EntityDescriptor');
  const entityId = attr(root, 'entityID');
  if (!entityId) throw new XmlInputError('IdP metadata: entityID missing');
  const idp = children(root, NS.md, 'IDPSSODescriptor')[0];
  if (!idp) throw new XmlInputError('IdP metadata: no IDPSSODescriptor');
  const endpoint = (kind: string, binding: string): string | undefined =>
    children(idp, NS.md, kind)
      .filter((e) => attr(e, 'Binding') === binding)
      .map((e) => attr(e, 'Location'))
      .find((l): l is string => !!l);
  const ssoRedirect = endpoint('SingleSignOnService', BINDING.redirect);
  const ssoPost = endpoint('SingleSignOnService', BINDING.post);
  if (!ssoRedirect || !ssoPost)
    throw new XmlInputError(
      'IdP metadata: SingleSignOnService needs both HTTP-Redirect and HTTP-POST locations',
    );
  const signingCertificates: string[] = [];
  for (const kd of children(idp, NS.md, 'KeyDescriptor')) {
    const use = attr(kd, 'use');
    if (use !== undefined && use !== 'signing') continue;
    for (const ki of children(kd, NS.ds, 'KeyInfo'))
      for (const x5 of children(ki, NS.ds, 'X509Data'))
        for (const c of children(x5, NS.ds, 'X509Certificate')) {
          const b64 = (text(c) ?? '').replace(/\s+/g, '');
          if (b64) signingCertificates.push(b64);
        }
  }
  if (signingCertificates.length === 0)
    throw new XmlInputError('IdP metadata: no signing certificate in IDPSSODescriptor');
  return {
    entityId,
    ssoRedirect,
    ssoPost,
    sloRedirect: endpoint('SingleLogoutService', BINDING.redirect),
    signingCertificates,
  };
}
