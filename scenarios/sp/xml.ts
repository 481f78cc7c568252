/**
 * XML plumbing shared by the SP modules: escaping for the string builders, a DOM parser that fails
 * on any error or warning and refuses document type declarations (no DTD, no entity expansion:
 * the classic XXE and "billion laughs" inputs never reach a SAML check), and small helpers that
 * walk direct children by namespace (never `getElementsByTagName` across the whole tree, which is
 * what signature-wrapping attacks exploit).
 */
// @xmldom/xmldom 0.8 (the version node-saml and xml-crypto use) types its nodes with the DOM
// library's global Document / Element.
import { DOMParser } from '@xmldom/xmldom';
import { HostError } from '../../emulator/src/host-error.ts';

export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  cie: 'https://www.cartaidentita.interno.gov.it/saml-extensions',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

export const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/** A SAML document that is not acceptable XML (exit 2 when it comes from the command line). */
export class XmlInputError extends HostError {
  readonly code = 'SP_XML_INPUT';
}

/** Escapes text and attribute values (`&`, `<`, `>`, `"`, `'`). */
export function esc(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Parses `xml` strictly; `what` names the document in error messages. */
export function parseXml(xml: string, what: string): Document {
  if (/<!DOCTYPE/i.test(xml)) throw new XmlInputError(`${what}: DOCTYPE is not allowed`);
  const fail =
    (level: string) =>
    (msg: unknown): never => {
      throw new XmlInputError(`${what}: XML ${level}: ${String(msg).split('\n')[0]}`);
    };
  let doc: Document;
  try {
    doc = new DOMParser({
      errorHandler: {
        warning: fail('warning'),
        error: fail('error'),
        fatalError: fail('fatal error'),
      },
    }).parseFromString(xml, 'text/xml');
  } catch (e) {
    if (e instanceof XmlInputError) throw e;
    throw new XmlInputError(
      `${what}: not well-formed XML (${(e as Error).message.split('\n')[0]})`,
    );
  }
  if (!doc.documentElement) throw new XmlInputError(`${what}: no root element`);
  return doc;
}

/** Direct element children of `parent` with namespace `ns` and local name `local`. */
export function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as Element;
    if (el.namespaceURI === ns && el.localName === local) out.push(el);
  }
  return out;
}

/** The single direct child, or `undefined` when there is none; more than one is an error. */
export function child(parent: Element, ns: string, local: string): Element | undefined {
  const all = children(parent, ns, local);
  if (all.length > 1)
    throw new XmlInputError(`${parent.localName}: ${all.length} ${local} elements, expected one`);
  return all[0];
}

/** Text content of an element with surrounding white space removed. */
export function text(el: Element | undefined): string | undefined {
  return el ? (el.textContent ?? '').trim() : undefined;
}

/** Value of an attribute, `undefined` when absent (xmldom answers '' for absent attributes). */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? '') : undefined;
}
