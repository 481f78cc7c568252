/**
 * The parts of an SP's SAML metadata (SAML metadata 2.0, OASIS saml-metadata-2.0-os §2.4.4) the
 * IdP uses once the SP is registered: entityID, signing certificates, ACS endpoints, attribute
 * services, display name and logo. Built only from the **signed** metadata element.
 */
import { X509Certificate } from 'node:crypto';
import { attr, children, descendants, NS, textOf } from '../saml/xml.ts';

export const BINDING = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
} as const;

export interface Endpoint {
  readonly binding: string;
  readonly location: string;
}

export interface IndexedEndpoint extends Endpoint {
  readonly index: number;
  readonly isDefault: boolean;
}

export interface AttributeService {
  readonly index: number;
  readonly attributes: readonly string[];
}

export interface SpMetadata {
  readonly entityId: string;
  /** PEM certificates of `KeyDescriptor use="signing"` (or without `use`). */
  readonly signingCertificates: readonly string[];
  readonly assertionConsumerServices: readonly IndexedEndpoint[];
  readonly attributeServices: readonly AttributeService[];
  readonly singleLogoutServices: readonly Endpoint[];
  /** OrganizationDisplayName in Italian (else the first), shown to the user. */
  readonly displayName: string;
  readonly logoUrl?: string;
  /** The signed metadata XML as registered. */
  readonly xml: string;
}

/** Base64 body of ds:X509Certificate → PEM (undefined when it does not parse). */
export function x509Pem(base64: string): string | undefined {
  try {
    return new X509Certificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64')).toString();
  } catch {
    return undefined;
  }
}

export function spSsoDescriptor(root: Element): Element | undefined {
  return children(root, NS.md, 'SPSSODescriptor')[0];
}

export function signingCertificateTexts(sso: Element): string[] {
  return children(sso, NS.md, 'KeyDescriptor')
    .filter((k) => (attr(k, 'use') ?? 'signing') === 'signing')
    .flatMap((k) => descendants(k, NS.ds, 'X509Certificate').map((c) => textOf(c) ?? ''));
}

function byLang(list: Element[]): string | undefined {
  const it = list.find((e) => e.getAttribute('xml:lang') === 'it');
  return textOf(it ?? list[0]);
}

/** Reads the model from a (signed) EntityDescriptor; checks are sp-rules.ts's job. */
export function readSpMetadata(root: Element, xml: string): SpMetadata {
  const sso = spSsoDescriptor(root);
  const els = (name: string): Element[] => (sso ? children(sso, NS.md, name) : []);
  const org = children(root, NS.md, 'Organization')[0];
  const display =
    (org && byLang(children(org, NS.md, 'OrganizationDisplayName'))) ??
    (org && byLang(children(org, NS.md, 'OrganizationName'))) ??
    attr(root, 'entityID') ??
    '';
  const logo = sso ? textOf(descendants(sso, NS.mdui, 'Logo')[0]) : undefined;
  return {
    entityId: attr(root, 'entityID') ?? '',
    signingCertificates: (sso ? signingCertificateTexts(sso) : [])
      .map(x509Pem)
      .filter((p): p is string => p !== undefined),
    assertionConsumerServices: els('AssertionConsumerService').map((e) => ({
      binding: attr(e, 'Binding') ?? '',
      location: attr(e, 'Location') ?? '',
      index: Number(attr(e, 'index') ?? NaN),
      isDefault: attr(e, 'isDefault') === 'true',
    })),
    attributeServices: els('AttributeConsumingService').map((e) => ({
      index: Number(attr(e, 'index') ?? NaN),
      attributes: children(e, NS.md, 'RequestedAttribute').map((r) => attr(r, 'Name') ?? ''),
    })),
    singleLogoutServices: els('SingleLogoutService').map((e) => ({
      binding: attr(e, 'Binding') ?? '',
      location: attr(e, 'Location') ?? '',
    })),
    displayName: display,
    ...(logo ? { logoUrl: logo } : {}),
    xml,
  };
}

/**
 * The ACS the IdP answers on when the request names none usable (error responses): the one with
 * `isDefault="true"`, else the lowest index, among HTTP-POST endpoints (responses are POST only).
 */
export function defaultAcs(md: SpMetadata): IndexedEndpoint | undefined {
  const post = md.assertionConsumerServices.filter((a) => a.binding === BINDING.post);
  return post.find((a) => a.isDefault) ?? [...post].sort((a, b) => a.index - b.index)[0];
}
