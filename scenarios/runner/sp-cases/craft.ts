/**
 * Crafting a case's Response: the CIE-shaped Response of the stand-in IdP's builder (scenarios/sp/
 * stand-in), built unsigned for the SP's real AuthnRequest, then edited as the case says *before*
 * signing (so a broken field is still validly signed: only the SP's own checks can refuse it),
 * signed like the IdP signs (Assertion first, then Response: enveloped, exclusive c14n,
 * rsa-sha256, after the Issuer), then edited *after* signing where the case is about tampering or
 * signature wrapping.
 *
 * The edits are string operations on the builder's known layout (one element per name, prefixes
 * `samlp:`/`saml:`/`ds:`): small, readable, and each case says in words what it changes.
 */
import { SignedXml } from 'xml-crypto';
import { ALG } from '../../sp/metadata.ts';
import type { PemKeyPair } from '../../sp/keys.ts';
import {
  buildResponse,
  type ResponseSpec,
  type StandInIdp,
} from '../../sp/stand-in/stand-in-idp.ts';

export type Edit = (xml: string) => string;

/** Where the signature goes: right after the element's Issuer, or first when it has none. */
function location(
  xpath: string,
  xml: string,
  local: 'Response' | 'Assertion',
): { reference: string; action: 'after' | 'prepend' } {
  const open = local === 'Response' ? 'samlp:Response' : 'saml:Assertion';
  return new RegExp(`<${open}\\b[^>]*>\\s*<saml:Issuer\\b`).test(xml)
    ? { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' }
    : { reference: xpath, action: 'prepend' };
}

/** Signs the Response (root) or its (first) Assertion with `key`. */
export function signElement(xml: string, local: 'Response' | 'Assertion', key: PemKeyPair): string {
  const sig = new SignedXml({
    privateKey: key.keyPem,
    publicCert: key.certPem,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  const xpath =
    local === 'Response' ? "/*[local-name(.)='Response']" : "(//*[local-name(.)='Assertion'])[1]";
  sig.addReference({
    xpath,
    transforms: [ALG.enveloped, ALG.excC14n],
    digestAlgorithm: ALG.sha256,
  });
  sig.computeSignature(xml, { prefix: 'ds', location: location(xpath, xml, local) });
  return sig.getSignedXml();
}

export interface CraftPlan {
  /** Fields of the stand-in builder (issuer, destination, attributes, status…). */
  readonly spec?: Partial<ResponseSpec>;
  /** Edits before signing. */
  readonly before?: Edit;
  readonly signAssertion?: boolean;
  readonly signResponse?: boolean;
  /** `other`: a key the SP does not know signs. */
  readonly signer?: 'idp' | 'other';
  /** Edits after signing (tampering, wrapping). */
  readonly after?: Edit;
}

export interface CraftContext {
  readonly idp: StandInIdp;
  readonly other: PemKeyPair;
  readonly request: { readonly id: string; readonly acsUrl: string };
  readonly spEntityId: string;
  readonly now: Date;
}

export function craft(plan: CraftPlan, c: CraftContext): string {
  let xml = buildResponse(c.idp, {
    acsUrl: c.request.acsUrl,
    audience: c.spEntityId,
    inResponseTo: c.request.id,
    now: c.now,
    ...plan.spec,
    signAssertion: false,
    signResponse: false,
  });
  if (plan.before) xml = plan.before(xml);
  const key = plan.signer === 'other' ? c.other : c.idp.signing;
  const hasAssertion = /<saml:Assertion\b/.test(xml);
  if (hasAssertion && plan.signAssertion !== false) xml = signElement(xml, 'Assertion', key);
  if (plan.signResponse !== false) xml = signElement(xml, 'Response', key);
  return plan.after ? plan.after(xml) : xml;
}

// ---- edit helpers on the builder's layout -------------------------------------------------------

const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Sets (or adds) an attribute on the first `<tag …>` start tag. */
export function setAttr(tag: string, name: string, value: string): Edit {
  return (xml) =>
    xml.replace(new RegExp(`<${re(tag)}\\b([^>]*?)(/?)>`), (_m, attrs: string, close: string) => {
      const has = new RegExp(`\\s${re(name)}="[^"]*"`);
      const next = has.test(attrs)
        ? attrs.replace(has, ` ${name}="${value}"`)
        : `${attrs} ${name}="${value}"`;
      return `<${tag}${next}${close}>`;
    });
}

/** Removes an attribute from the first `<tag …>` start tag. */
export function removeAttr(tag: string, name: string): Edit {
  return (xml) =>
    xml.replace(
      new RegExp(`<${re(tag)}\\b([^>]*?)(/?)>`),
      (_m, attrs: string, close: string) =>
        `<${tag}${attrs.replace(new RegExp(`\\s${re(name)}="[^"]*"`), '')}${close}>`,
    );
}

/** Removes the first `<tag …>…</tag>` (or `<tag …/>`) element. */
export function removeElement(tag: string): Edit {
  return (xml) =>
    xml.replace(
      new RegExp(`<${re(tag)}\\b[^>]*?/>|<${re(tag)}\\b[^>]*>[\\s\\S]*?</${re(tag)}>`),
      '',
    );
}

/** Replaces the text content of the first `<tag>text</tag>`. */
export function setText(tag: string, value: string): Edit {
  return (xml) =>
    xml.replace(new RegExp(`(<${re(tag)}\\b[^>]*>)[^<]*(</${re(tag)}>)`), `$1${value}$2`);
}

export function chain(...edits: Edit[]): Edit {
  return (xml) => edits.reduce((x, e) => e(x), xml);
}
