/**
 * Safe XML parsing for everything the IdP receives (AuthnRequests, SP metadata): `@xmldom/xmldom`
 * with every parser warning and error turned into an exception, and no document type declaration
 * at all (no DTD means no entity expansion and no external entities; SAML core §1.3 and the SAML
 * metadata schema never need one — OASIS saml-sec-consider-2.0 §6.5 recommends refusing them).
 * Plus the namespace constants and small DOM helpers the SAML modules share.
 */
import { HostError } from '../../../emulator/src/host-error.ts';
import { DOMParser } from '@xmldom/xmldom';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  mdui: 'urn:oasis:names:tc:SAML:metadata:ui',
  cie: 'https://www.cartaidentita.interno.gov.it/saml-extensions',
} as const;

export class XmlInputError extends HostError {
  readonly code = 'XML_INPUT';
}

/** Largest XML document accepted (SAML messages and metadata are a few kilobytes). */
export const MAX_XML_CHARS = 256 * 1024;

/**
 * Parses `xml` into a DOM Document or throws {@link XmlInputError}. Refuses documents with a
 * DOCTYPE, processing instructions other than the XML declaration, or any parser diagnostic.
 */
export function parseXml(xml: string): Document {
  if (xml.length > MAX_XML_CHARS)
    throw new XmlInputError(`XML of ${xml.length} characters exceeds ${MAX_XML_CHARS}`);
  if (/<!DOCTYPE/i.test(xml)) throw new XmlInputError('a document type declaration is not allowed');
  if (/<\?(?!xml[\s?])/i.test(xml))
    throw new XmlInputError('processing instructions are not allowed');
  const fail = (level: string) => (msg: string) => {
    throw new XmlInputError(`XML ${level}: ${String(msg).split('\n')[0]}`);
  };
  let doc: Document;
  try {
    doc = new DOMParser({
      locator: {},
      errorHandler: { warning: fail('warning'), error: fail('error'), fatalError: fail('error') },
    }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (e) {
    if (e instanceof XmlInputError) throw e;
    throw new XmlInputError(`XML not well-formed: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || !doc.documentElement) throw new XmlInputError('no document element');
  if (doc.doctype) throw new XmlInputError('a document type declaration is not allowed');
  return doc;
}

/** Element children of `parent` (no text, comment or PI nodes). */
export function childElements(parent: Element | Document): Element[] {
  const out: Element[] = [];
  const nodes = parent.childNodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes.item(i);
    if (n && n.nodeType === 1) out.push(n as Element);
  }
  return out;
}

/** Element children with namespace `ns` and local name `name`. */
export function children(parent: Element, ns: string, name: string): Element[] {
  return childElements(parent).filter((e) => e.namespaceURI === ns && e.localName === name);
}

/** The only child `ns:name`, `undefined` if absent; throws when there are several. */
export function onlyChild(parent: Element, ns: string, name: string): Element | undefined {
  const list = children(parent, ns, name);
  if (list.length > 1) throw new XmlInputError(`more than one ${name} in ${parent.localName}`);
  return list[0];
}

/** Every descendant element `ns:name` (document order). */
export function descendants(root: Element | Document, ns: string, name: string): Element[] {
  const list = root.getElementsByTagNameNS(ns, name);
  const out: Element[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list.item(i);
    if (e) out.push(e);
  }
  return out;
}

/** Trimmed text content. */
export function textOf(e: Element | undefined): string | undefined {
  return e?.textContent === null || e === undefined ? undefined : e.textContent.trim();
}

/** The attribute's value, `undefined` when absent (xmldom returns '' for absent attributes). */
export function attr(e: Element, name: string): string | undefined {
  return e.hasAttribute(name) ? e.getAttribute(name)! : undefined;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** xs:dateTime in UTC with milliseconds, as the CIE examples write it (`2020-10-29T12:51:36.123Z`). */
export function isoInstant(d: Date): string {
  return d.toISOString();
}
