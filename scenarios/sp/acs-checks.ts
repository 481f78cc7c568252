/**
 * CIE checks of the ACS on top of node-saml's (which covers signatures, InResponseTo, the
 * Conditions and SubjectConfirmationData time windows and the audience). They read only XML that
 * node-saml verified: the Response as signed, and the Assertion as signed. Rules from "Regole
 * tecniche CIE id", chapter Protocolli (italia/cie-eid-saml-docs:docs/it/protocolli.rst) and SAML
 * 2.0 Core §3.2.2 / §2.3–2.7, with the response cases of spid-sp-test as the catalogue of what an
 * SP must refuse (italia/spid-sp-test:src/spid_sp_test/responses/settings.py):
 *
 * | check | rule |
 * |---|---|
 * | response | Version 2.0, ID, IssueInstant not in the future and not before the request, a Status with a StatusCode (Core §3.2.2: mandatory) |
 * | destination | Response Destination = this ACS URL |
 * | issuer | Response and Assertion Issuer = the IdP entityID; Response Issuer Format absent (CIE) or entity |
 * | subject | NameID transient with a NameQualifier; bearer SubjectConfirmation |
 * | recipient | SubjectConfirmationData Recipient = this ACS URL, InResponseTo = the request ID, NotOnOrAfter present |
 * | conditions | NotBefore, NotOnOrAfter present |
 * | authn-context | AuthnContextClassRef compatible with the request (exact: equal; minimum: ≥) |
 * | attributes | exactly name, familyName, dateOfBirth, fiscalNumber, one value each; `TINIT-<CF>`; `YYYY-MM-DD` |
 */
import type { SpDefect } from './config.ts';
import type { IssuedRequest } from './cie-saml.ts';
import { EIDAS_MINIMUM_ATTRIBUTES } from './metadata.ts';
import { NS, attr, child, children, parseXml, text } from './xml.ts';

const ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const LEVELS = ['SpidL1', 'SpidL2', 'SpidL3'];

export interface AcsContext {
  readonly acsUrl: string;
  readonly idpEntityId: string;
  readonly request: IssuedRequest | undefined;
  readonly now: Date;
  readonly skewMs: number;
  readonly defects: readonly SpDefect[];
}

/** The eIDAS attributes of a successful login. */
export interface CieAttributes {
  readonly name: string;
  readonly familyName: string;
  readonly dateOfBirth: string;
  readonly fiscalNumber: string;
}

export interface CieLoginFacts {
  readonly nameId: string;
  readonly nameQualifier: string;
  readonly sessionIndex: string | undefined;
  readonly classRef: string;
  readonly attributes: CieAttributes;
}

export type CheckResult =
  | { readonly ok: true; readonly facts: CieLoginFacts }
  | { readonly ok: false; readonly problems: readonly string[] };

function instantProblem(
  what: string,
  value: string | undefined,
  ctx: AcsContext,
  notBefore?: string,
): string | undefined {
  if (!value) return `${what} missing`;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value))
    return `${what} '${value}' is not a UTC xs:dateTime`;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return `${what} '${value}' is not a date`;
  if (ctx.defects.includes('skip-time-window')) return undefined;
  if (t > ctx.now.getTime() + ctx.skewMs) return `${what} ${value} is in the future`;
  if (notBefore && t < Date.parse(notBefore) - ctx.skewMs)
    return `${what} ${value} is before the request (${notBefore})`;
  return undefined;
}

function levelOf(classRef: string): number {
  return LEVELS.findIndex((l) => classRef === `https://www.spid.gov.it/${l}`);
}

/** Checks of the Response element (its signed form). */
export function checkResponse(responseXml: string, ctx: AcsContext): string[] {
  const p: string[] = [];
  const root = parseXml(responseXml, 'Response').documentElement;
  if (!root || root.namespaceURI !== NS.samlp || root.localName !== 'Response')
    return ['response: the root is not samlp:Response'];
  if (attr(root, 'Version') !== '2.0') p.push('response: Version is not 2.0');
  // node-saml reads the StatusCode only when it is there: a Response without one got through.
  const status = child(root, NS.samlp, 'Status');
  const code = status ? child(status, NS.samlp, 'StatusCode') : undefined;
  if (!code || !attr(code, 'Value')) p.push('response: Status with a StatusCode missing');
  if (!attr(root, 'ID')) p.push('response: ID missing');
  const ii = instantProblem(
    'response: IssueInstant',
    attr(root, 'IssueInstant'),
    ctx,
    ctx.request?.issueInstant,
  );
  if (ii) p.push(ii);
  const dest = attr(root, 'Destination');
  if (!ctx.defects.includes('skip-destination') && dest !== ctx.acsUrl)
    p.push(`destination: Response Destination '${dest ?? ''}' is not this ACS '${ctx.acsUrl}'`);
  if (!ctx.defects.includes('skip-issuer')) {
    const issuer = child(root, NS.saml, 'Issuer');
    if (text(issuer) !== ctx.idpEntityId)
      p.push(`issuer: Response Issuer '${text(issuer) ?? ''}' is not '${ctx.idpEntityId}'`);
    const format = issuer ? attr(issuer, 'Format') : undefined;
    if (format !== undefined && format !== ENTITY)
      p.push(`issuer: Response Issuer Format '${format}' (absent or entity expected)`);
  }
  return p;
}

function subjectProblems(a: Element, ctx: AcsContext): string[] {
  const p: string[] = [];
  const subject = child(a, NS.saml, 'Subject');
  const nameId = subject ? child(subject, NS.saml, 'NameID') : undefined;
  if (!nameId || !text(nameId)) return ['subject: NameID missing'];
  if (attr(nameId, 'Format') !== TRANSIENT) p.push('subject: NameID Format is not transient');
  if (!attr(nameId, 'NameQualifier')) p.push('subject: NameID NameQualifier missing');
  const confirmations = subject ? children(subject, NS.saml, 'SubjectConfirmation') : [];
  const bearer = confirmations.find((c) => attr(c, 'Method') === BEARER);
  if (!bearer) return [...p, 'subject: no bearer SubjectConfirmation'];
  const data = child(bearer, NS.saml, 'SubjectConfirmationData');
  if (!data) return [...p, 'subject: SubjectConfirmationData missing'];
  if (!ctx.defects.includes('skip-recipient') && attr(data, 'Recipient') !== ctx.acsUrl)
    p.push(`recipient: Recipient '${attr(data, 'Recipient') ?? ''}' is not this ACS`);
  if (
    !ctx.defects.includes('skip-in-response-to') &&
    attr(data, 'InResponseTo') !== ctx.request?.id
  )
    p.push('recipient: SubjectConfirmationData InResponseTo is not the request ID');
  if (!attr(data, 'NotOnOrAfter'))
    p.push('recipient: SubjectConfirmationData NotOnOrAfter missing');
  return p;
}

function authnContextProblems(a: Element, ctx: AcsContext): string[] {
  const stmt = child(a, NS.saml, 'AuthnStatement');
  const ac = stmt ? child(stmt, NS.saml, 'AuthnContext') : undefined;
  const ref = text(ac ? child(ac, NS.saml, 'AuthnContextClassRef') : undefined);
  if (!ref) return ['authn-context: AuthnContextClassRef missing'];
  if (ctx.defects.includes('skip-authn-context') || !ctx.request) return [];
  const got = levelOf(ref);
  const want = levelOf(ctx.request.classRef);
  if (got < 0) return [`authn-context: unknown class '${ref}'`];
  const ok = ctx.request.comparison === 'exact' ? got === want : got >= want;
  return ok
    ? []
    : [
        `authn-context: '${ref}' does not satisfy ${ctx.request.comparison} ${ctx.request.classRef}`,
      ];
}

function readAttributes(a: Element): { values: Record<string, string>; problems: string[] } {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const st of children(a, NS.saml, 'AttributeStatement'))
    for (const at of children(st, NS.saml, 'Attribute')) {
      const name = attr(at, 'Name') ?? '';
      const vs = children(at, NS.saml, 'AttributeValue');
      if (name in values) problems.push(`attributes: '${name}' appears twice`);
      if (vs.length !== 1) problems.push(`attributes: '${name}' has ${vs.length} values`);
      values[name] = text(vs[0]) ?? '';
    }
  return { values, problems };
}

/** Checks of the (signed) Assertion; on success, the facts the SP keeps in its session. */
export function checkAssertion(assertionXml: string, ctx: AcsContext): CheckResult {
  const a = parseXml(assertionXml, 'Assertion').documentElement;
  if (!a || a.namespaceURI !== NS.saml || a.localName !== 'Assertion')
    return { ok: false, problems: ['assertion: not a saml:Assertion'] };
  const p: string[] = [];
  if (attr(a, 'Version') !== '2.0') p.push('assertion: Version is not 2.0');
  if (!attr(a, 'ID')) p.push('assertion: ID missing');
  const ii = instantProblem(
    'assertion: IssueInstant',
    attr(a, 'IssueInstant'),
    ctx,
    ctx.request?.issueInstant,
  );
  if (ii) p.push(ii);
  if (!ctx.defects.includes('skip-issuer') && text(child(a, NS.saml, 'Issuer')) !== ctx.idpEntityId)
    p.push('issuer: Assertion Issuer is not the IdP entityID');
  p.push(...subjectProblems(a, ctx));
  const cond = child(a, NS.saml, 'Conditions');
  if (!cond || !attr(cond, 'NotBefore') || !attr(cond, 'NotOnOrAfter'))
    p.push('conditions: NotBefore and NotOnOrAfter are required');
  p.push(...authnContextProblems(a, ctx));
  const { values, problems } = readAttributes(a);
  if (!ctx.defects.includes('skip-attributes')) {
    p.push(...problems);
    const names = Object.keys(values).sort();
    if (names.join(',') !== [...EIDAS_MINIMUM_ATTRIBUTES].sort().join(','))
      p.push(
        `attributes: got [${names.join(', ')}], requested [${EIDAS_MINIMUM_ATTRIBUTES.join(', ')}]`,
      );
    if (!/^TINIT-[A-Z0-9]{16}$/.test(values['fiscalNumber'] ?? ''))
      p.push(
        `attributes: fiscalNumber '${values['fiscalNumber'] ?? ''}' is not TINIT-<16 characters>`,
      );
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values['dateOfBirth'] ?? ''))
      p.push(`attributes: dateOfBirth '${values['dateOfBirth'] ?? ''}' is not YYYY-MM-DD`);
  }
  if (p.length > 0) return { ok: false, problems: p };
  const subject = child(a, NS.saml, 'Subject');
  const nameId = subject ? child(subject, NS.saml, 'NameID') : undefined;
  const stmt = child(a, NS.saml, 'AuthnStatement');
  const ac = stmt ? child(stmt, NS.saml, 'AuthnContext') : undefined;
  return {
    ok: true,
    facts: {
      nameId: text(nameId) ?? '',
      nameQualifier: nameId ? (attr(nameId, 'NameQualifier') ?? '') : '',
      sessionIndex: stmt ? attr(stmt, 'SessionIndex') : undefined,
      classRef: text(ac ? child(ac, NS.saml, 'AuthnContextClassRef') : undefined) ?? '',
      attributes: {
        name: values['name'] ?? '',
        familyName: values['familyName'] ?? '',
        dateOfBirth: values['dateOfBirth'] ?? '',
        fiscalNumber: values['fiscalNumber'] ?? '',
      },
    },
  };
}

/** Status of a Response that carries no Assertion: top-level and second-level codes, message. */
export interface SamlStatus {
  readonly code: string;
  readonly subCode: string | undefined;
  readonly message: string | undefined;
  /** NN of "ErrorCode nrNN" (the CIE IdP's StatusMessage), when present. */
  readonly errorCode: number | undefined;
}

export function readStatus(responseXml: string): SamlStatus {
  const root = parseXml(responseXml, 'Response').documentElement;
  const status = root ? child(root, NS.samlp, 'Status') : undefined;
  const top = status ? child(status, NS.samlp, 'StatusCode') : undefined;
  const sub = top ? child(top, NS.samlp, 'StatusCode') : undefined;
  const message = text(status ? child(status, NS.samlp, 'StatusMessage') : undefined);
  const m = /ErrorCode nr(\d{1,3})/.exec(message ?? '');
  return {
    code: top ? (attr(top, 'Value') ?? '') : '',
    subCode: sub ? attr(sub, 'Value') : undefined,
    message,
    errorCode: m ? Number(m[1]) : undefined,
  };
}
