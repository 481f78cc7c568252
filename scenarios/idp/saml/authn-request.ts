/**
 * The content checks of an AuthnRequest (Regole tecniche CIE id, "Richiesta di autenticazione
 * SAML", and SAML core §3.4.1), run on the **signed** element only, after the binding and
 * signature checks. The first failing check, in the order of the error codes, decides the outcome:
 *
 * | code | check |
 * |------|-------|
 * | 8  | the element is a samlp:AuthnRequest; no `Scoping` / `RequesterID`; booleans are xs:boolean |
 * | 9  | `Version` present and `2.0` |
 * | 11 | `ID` present and an xs:ID (NCName) |
 * | 12 | exactly one RequestedAuthnContext, one ClassRef, allowed Comparison/level combination |
 * | 13 | `IssueInstant` present, xs:dateTime, within the accepted skew of the arrival time |
 * | 14 | `Destination` equals the SingleSignOnService Location of the binding used |
 * | 15 | `IsPassive` absent or false |
 * | 16 | ACS by URL + `ProtocolBinding` HTTP-POST, or by index, matching the SP metadata |
 * | 17 | NameIDPolicy with Format transient and no `AllowCreate` |
 * | 18 | `AttributeConsumingServiceIndex` naming an AttributeConsumingService with the eIDAS minimum set |
 *
 * `ForceAuthn` is accepted whatever its value (the IdP never reuses a session, so every login is
 * forced anyway).
 */
import { EIDAS_MINIMUM } from '../sp-registry/sp-rules.ts';
import { BINDING, type IndexedEndpoint, type SpMetadata } from '../sp-registry/sp-metadata.ts';
import { attr, children, NS, textOf } from './xml.ts';

export const AUTHN_LEVELS = {
  'https://www.spid.gov.it/SpidL1': 1,
  'https://www.spid.gov.it/SpidL2': 2,
  'https://www.spid.gov.it/SpidL3': 3,
} as const;

export interface AcceptedRequest {
  readonly id: string;
  readonly issueInstant: Date;
  readonly acs: IndexedEndpoint;
  readonly attributeIndex: number;
  readonly requestedAttributes: readonly string[];
  readonly comparison: 'exact' | 'minimum';
  readonly level: 1 | 2 | 3;
}

export type RequestCheck =
  | { readonly ok: true; readonly request: AcceptedRequest }
  | {
      readonly ok: false;
      readonly code: 8 | 9 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18;
      readonly detail: string;
      /** Usable ID for InResponseTo (absent when the ID itself is the problem). */
      readonly inResponseTo?: string;
      /** The ACS the request resolved to, when it did. */
      readonly acs?: IndexedEndpoint;
    };

export interface RequestContext {
  readonly sp: SpMetadata;
  readonly binding: 'redirect' | 'post';
  /** SingleSignOnService Location for the binding used. */
  readonly destination: string;
  readonly now: Date;
  readonly skewMs: number;
}

const NCNAME = /^[A-Za-z_][\w.-]*$/;
const XS_BOOLEAN = /^(true|false|1|0)$/;
const XS_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Fail = Extract<RequestCheck, { ok: false }>;

function resolveAcs(req: Element, sp: SpMetadata): IndexedEndpoint | string {
  const url = attr(req, 'AssertionConsumerServiceURL');
  const index = attr(req, 'AssertionConsumerServiceIndex');
  const binding = attr(req, 'ProtocolBinding');
  if (url !== undefined && index !== undefined)
    return 'AssertionConsumerServiceURL and AssertionConsumerServiceIndex are mutually exclusive';
  if (url !== undefined) {
    if (binding !== BINDING.post)
      return `ProtocolBinding '${binding ?? '(absent)'}' must be HTTP-POST with an ACS URL`;
    const acs = sp.assertionConsumerServices.find(
      (a) => a.location === url && a.binding === BINDING.post,
    );
    return acs ?? `AssertionConsumerServiceURL '${url}' is not an HTTP-POST ACS of the SP metadata`;
  }
  if (index !== undefined) {
    if (!/^\d+$/.test(index)) return `AssertionConsumerServiceIndex '${index}' is not an integer`;
    const acs = sp.assertionConsumerServices.find((a) => a.index === Number(index));
    if (!acs) return `AssertionConsumerServiceIndex ${index} is not in the SP metadata`;
    if (acs.binding !== BINDING.post)
      return `ACS ${index} has binding ${acs.binding}; Responses are HTTP-POST only`;
    return acs;
  }
  return 'neither AssertionConsumerServiceURL nor AssertionConsumerServiceIndex';
}

function checkAuthnContext(
  req: Element,
): string | { comparison: 'exact' | 'minimum'; level: 1 | 2 | 3 } {
  const rac = children(req, NS.samlp, 'RequestedAuthnContext');
  if (rac.length !== 1) return `${rac.length} RequestedAuthnContext elements, exactly 1 required`;
  const comparison = attr(rac[0] as Element, 'Comparison') ?? 'exact';
  if (comparison !== 'exact' && comparison !== 'minimum')
    return `Comparison '${comparison}' is not exact or minimum`;
  const refs = children(rac[0] as Element, NS.saml, 'AuthnContextClassRef');
  if (refs.length !== 1) return `${refs.length} AuthnContextClassRef elements, exactly 1 required`;
  const ref = textOf(refs[0]) ?? '';
  const level = (AUTHN_LEVELS as Record<string, 1 | 2 | 3>)[ref];
  if (!level) return `AuthnContextClassRef '${ref}' is not SpidL1/L2/L3`;
  if (level < 3 && comparison !== 'minimum')
    return `SpidL${level} is allowed only with Comparison="minimum"`;
  return { comparison, level };
}

function checkNameIdPolicy(req: Element): string | undefined {
  const p = children(req, NS.samlp, 'NameIDPolicy');
  if (p.length !== 1) return `${p.length} NameIDPolicy elements, exactly 1 required`;
  const format = attr(p[0] as Element, 'Format');
  if (format !== 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient')
    return `NameIDPolicy Format '${format ?? '(absent)'}' must be transient`;
  if (attr(p[0] as Element, 'AllowCreate') !== undefined)
    return 'NameIDPolicy must not carry AllowCreate';
  return undefined;
}

function checkAttributeIndex(
  req: Element,
  sp: SpMetadata,
): string | { index: number; attributes: readonly string[] } {
  const raw = attr(req, 'AttributeConsumingServiceIndex');
  if (raw === undefined) return 'AttributeConsumingServiceIndex is missing';
  if (!/^\d+$/.test(raw)) return `AttributeConsumingServiceIndex '${raw}' is not an integer`;
  const svc = sp.attributeServices.find((s) => s.index === Number(raw));
  if (!svc) return `AttributeConsumingServiceIndex ${raw} is not in the SP metadata`;
  const missing = EIDAS_MINIMUM.filter((a) => !svc.attributes.includes(a));
  if (missing.length > 0) return `AttributeConsumingService ${raw} lacks ${missing.join(', ')}`;
  return { index: svc.index, attributes: svc.attributes };
}

function structure(req: Element): string | undefined {
  if (req.namespaceURI !== NS.samlp || req.localName !== 'AuthnRequest')
    return `root element is ${req.localName}, not samlp:AuthnRequest`;
  if (children(req, NS.samlp, 'Scoping').length > 0) return 'Scoping is not allowed';
  for (const b of ['ForceAuthn', 'IsPassive']) {
    const v = attr(req, b);
    if (v !== undefined && !XS_BOOLEAN.test(v)) return `${b}='${v}' is not an xs:boolean`;
  }
  return undefined;
}

/** Runs the checks in code order on the signed AuthnRequest element. */
export function checkAuthnRequest(req: Element, c: RequestContext): RequestCheck {
  const id = attr(req, 'ID');
  const idOk = id !== undefined && NCNAME.test(id);
  const acs = resolveAcs(req, c.sp);
  const base = {
    ...(idOk ? { inResponseTo: id } : {}),
    ...(typeof acs === 'string' ? {} : { acs }),
  };
  const fail = (code: Fail['code'], detail: string): Fail => ({ ok: false, code, detail, ...base });
  const s = structure(req);
  if (s) return fail(8, s);
  const version = attr(req, 'Version');
  if (version !== '2.0') return fail(9, `Version '${version ?? '(absent)'}' is not 2.0`);
  if (!idOk) return fail(11, `ID '${id ?? '(absent)'}' is missing or not an xs:ID`);
  const ctx = checkAuthnContext(req);
  if (typeof ctx === 'string') return fail(12, ctx);
  const instant = attr(req, 'IssueInstant');
  if (!instant || !XS_DATETIME.test(instant) || Number.isNaN(Date.parse(instant)))
    return fail(13, `IssueInstant '${instant ?? '(absent)'}' is not an xs:dateTime`);
  const skew = Date.parse(instant) - c.now.getTime();
  if (Math.abs(skew) > c.skewMs)
    return fail(
      13,
      `IssueInstant ${instant} is ${Math.round(skew / 1000)} s from arrival (allowed ±${c.skewMs / 1000} s)`,
    );
  const dest = attr(req, 'Destination');
  if (dest !== c.destination)
    return fail(14, `Destination '${dest ?? '(absent)'}' is not '${c.destination}'`);
  const passive = attr(req, 'IsPassive');
  if (passive === 'true' || passive === '1') return fail(15, 'IsPassive is true');
  if (typeof acs === 'string') return fail(16, acs);
  const nip = checkNameIdPolicy(req);
  if (nip) return fail(17, nip);
  const ats = checkAttributeIndex(req, c.sp);
  if (typeof ats === 'string') return fail(18, ats);
  return {
    ok: true,
    request: {
      id: id as string,
      issueInstant: new Date(instant),
      acs,
      attributeIndex: ats.index,
      requestedAttributes: ats.attributes,
      comparison: ctx.comparison,
      level: ctx.level,
    },
  };
}

/** The Issuer of a request (code 10 when missing, malformed, or with a Format other than entity). */
export function requestIssuer(req: Element): string | undefined {
  const issuers = children(req, NS.saml, 'Issuer');
  if (issuers.length !== 1) return undefined;
  const format = attr(issuers[0] as Element, 'Format');
  if (format !== undefined && format !== 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity')
    return undefined;
  const v = textOf(issuers[0]);
  return v ? v : undefined;
}
