/**
 * The IdP's SAML metadata, served at `/idp/shibboleth?Metadata` as the real (Shibboleth-based)
 * IdP does: entityID = the HTTP-POST SSO URL, SingleSignOnService for HTTP-Redirect and HTTP-POST,
 * SingleLogoutService locations (which clear only the IdP session), transient NameID, the signing
 * certificate; the whole document signed (enveloped, RSA-SHA256, exc-c14n). Only the bindings the
 * bench serves are listed (the real document also names POST-SimpleSign and SAML 1 endpoints).
 */
import type { IdpUrls } from '../config.ts';
import { signRootElement, type SigningKey } from './sign.ts';
import { escapeXml as x, NS } from './xml.ts';

const B = 'urn:oasis:names:tc:SAML:2.0:bindings:';

export function idpMetadata(urls: IdpUrls, key: SigningKey, certificateBase64: string): string {
  const slo = ['Redirect', 'POST']
    .map(
      (b) =>
        `<md:SingleLogoutService Binding="${B}HTTP-${b}" Location="${x(urls.base)}/idp/profile/SAML2/${b}/SLO"/>`,
    )
    .join('');
  const xml =
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" ID="_idp-metadata" entityID="${x(urls.entityId)}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64}` +
    `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    slo +
    `<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>` +
    `<md:SingleSignOnService Binding="${B}HTTP-Redirect" Location="${x(urls.ssoRedirect)}"/>` +
    `<md:SingleSignOnService Binding="${B}HTTP-POST" Location="${x(urls.ssoPost)}"/>` +
    `</md:IDPSSODescriptor>` +
    `<md:Organization><md:OrganizationName xml:lang="it">CIE Bench - identity provider di TEST</md:OrganizationName>` +
    `<md:OrganizationDisplayName xml:lang="it">CIE Bench TEST IdP</md:OrganizationDisplayName>` +
    `<md:OrganizationURL xml:lang="it">${x(urls.base)}/</md:OrganizationURL></md:Organization>` +
    `</md:EntityDescriptor>`;
  return signRootElement(xml, key, false);
}
