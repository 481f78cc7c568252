/**
 * The CIE rules for SP metadata (Regole tecniche CIE id, "Federazione" → "Metadata SP", and the
 * checks spid-sp-test applies with its `cie-sp-public` / `cie-sp-private` profiles,
 * italia/spid-sp-test `src/spid_sp_test/metadata.py`), each a rule id with a precise message.
 * An SP is registered only when no rule of severity `error` is broken.
 */
import { X509Certificate } from 'node:crypto';
import { verifyEnvelopedRoot } from '../saml/verify-enveloped.ts';
import { attr, childElements, children, NS, parseXml, textOf, XmlInputError } from '../saml/xml.ts';
import {
  BINDING,
  readSpMetadata,
  signingCertificateTexts,
  spSsoDescriptor,
  x509Pem,
  type SpMetadata,
} from './sp-metadata.ts';
import { checkContacts } from './contact-rules.ts';

export type Severity = 'error' | 'warning';

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
}

export interface MetadataReport {
  readonly entityId?: string;
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

export interface MetadataCheck {
  readonly report: MetadataReport;
  /** Present when the report has no error. */
  readonly metadata?: SpMetadata;
}

export const EIDAS_MINIMUM = ['name', 'familyName', 'dateOfBirth', 'fiscalNumber'] as const;
const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
/** Personal-name attributes a seal certificate must not carry (OpenSSL short names). */
const PERSONAL_NAME_ATTRS = ['SN', 'GN', 'initials', 'generationQualifier', 'pseudonym'];

export class Findings {
  readonly list: Finding[] = [];
  error(rule: string, message: string): void {
    this.list.push({ rule, severity: 'error', message });
  }
  warn(rule: string, message: string): void {
    this.list.push({ rule, severity: 'warning', message });
  }
}

function checkCertificates(sso: Element, f: Findings, now: Date): string[] {
  const texts = signingCertificateTexts(sso);
  if (texts.length === 0)
    f.error('MD-KEY-SIGNING', 'no KeyDescriptor use="signing" with a ds:X509Certificate');
  const pems: string[] = [];
  texts.forEach((t, i) => {
    const pem = x509Pem(t);
    if (!pem) return f.error('MD-KEY-SIGNING', `signing certificate #${i + 1} is not valid X.509`);
    pems.push(pem);
    const c = new X509Certificate(pem);
    const bits = c.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (c.publicKey.asymmetricKeyType !== 'rsa')
      f.error(
        'MD-KEY-SIGNING',
        `certificate #${i + 1}: key is ${c.publicKey.asymmetricKeyType}, RSA required`,
      );
    else if (bits < 1024)
      f.error('MD-KEY-SIGNING', `certificate #${i + 1}: RSA ${bits} bits < 1024`);
    else if (bits < 2048)
      f.warn('MD-KEY-SIGNING', `certificate #${i + 1}: RSA ${bits} bits (2048 recommended)`);
    if (now > new Date(c.validTo))
      f.error('MD-KEY-SIGNING', `certificate #${i + 1} expired on ${c.validTo}`);
    const keys = c.subject.split('\n').map((l) => l.split('=')[0] ?? '');
    const personal = PERSONAL_NAME_ATTRS.filter((a) => keys.includes(a));
    if (personal.length > 0)
      f.error(
        'MD-KEY-SUBJECT',
        `certificate #${i + 1} subject carries personal-name attributes ${personal.join(', ')}`,
      );
  });
  return pems;
}

function checkDescriptor(sso: Element, f: Findings): void {
  if (!(attr(sso, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL))
    f.error('MD-SPSSO', `protocolSupportEnumeration must list ${SAML2_PROTOCOL}`);
  if (attr(sso, 'AuthnRequestsSigned') !== 'true')
    f.error(
      'MD-AUTHN-REQUESTS-SIGNED',
      `AuthnRequestsSigned is '${attr(sso, 'AuthnRequestsSigned') ?? '(absent)'}', must be "true"`,
    );
  if (attr(sso, 'WantAssertionsSigned') !== 'true')
    f.error(
      'MD-WANT-ASSERTIONS-SIGNED',
      `WantAssertionsSigned is '${attr(sso, 'WantAssertionsSigned') ?? '(absent)'}', must be "true"`,
    );
  const slo = children(sso, NS.md, 'SingleLogoutService');
  if (slo.length === 0) f.error('MD-SLO', 'no SingleLogoutService');
  else if (!slo.some((s) => attr(s, 'Binding') === BINDING.redirect))
    f.error('MD-SLO', 'no SingleLogoutService with the HTTP-Redirect binding');
  const formats = children(sso, NS.md, 'NameIDFormat');
  if (formats.length > 1)
    f.error('MD-NAMEID-FORMAT', `${formats.length} NameIDFormat elements, at most 1`);
  if (formats.length === 1 && textOf(formats[0]) !== TRANSIENT)
    f.error('MD-NAMEID-FORMAT', `NameIDFormat '${textOf(formats[0]) ?? ''}', must be ${TRANSIENT}`);
}

function indexOf(e: Element, rule: string, what: string, seen: Set<number>, f: Findings): void {
  const raw = attr(e, 'index');
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw))
    return f.error(rule, `${what} index '${raw ?? '(absent)'}' is not an integer ≥ 0`);
  if (seen.has(n)) f.error(rule, `${what} index ${n} is used twice`);
  seen.add(n);
}

function checkAcs(sso: Element, f: Findings): void {
  const acs = children(sso, NS.md, 'AssertionConsumerService');
  if (acs.length === 0) return f.error('MD-ACS', 'no AssertionConsumerService');
  const seen = new Set<number>();
  for (const a of acs) {
    const b = attr(a, 'Binding') ?? '';
    const loc = attr(a, 'Location') ?? '';
    if (b !== BINDING.post && b !== BINDING.redirect)
      f.error(
        'MD-ACS',
        `AssertionConsumerService binding '${b}' is not HTTP-POST or HTTP-Redirect`,
      );
    if (/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(loc))
      f.warn(
        'MD-ACS',
        `AssertionConsumerService Location '${loc}' is plain http on loopback: accepted by the bench only (the federation requires https)`,
      );
    else if (!/^https:\/\/[^\s]+$/.test(loc))
      f.error('MD-ACS', `AssertionConsumerService Location '${loc}' is not an https URL`);
    indexOf(a, 'MD-ACS', 'AssertionConsumerService', seen, f);
  }
  const defaults = acs.filter((a) => attr(a, 'isDefault') === 'true').length;
  if (defaults > 1)
    f.error('MD-ACS', `${defaults} AssertionConsumerService with isDefault="true", at most 1`);
  if (!acs.some((a) => attr(a, 'Binding') === BINDING.post))
    f.error(
      'MD-ACS',
      'no HTTP-POST AssertionConsumerService: the IdP sends Responses by HTTP-POST only',
    );
}

function checkAttributeServices(sso: Element, f: Findings): void {
  const list = children(sso, NS.md, 'AttributeConsumingService');
  if (list.length === 0) return f.error('MD-ATCS', 'no AttributeConsumingService');
  const seen = new Set<number>();
  for (const s of list) {
    indexOf(s, 'MD-ATCS', 'AttributeConsumingService', seen, f);
    const idx = attr(s, 'index') ?? '?';
    if (children(s, NS.md, 'ServiceName').length === 0)
      f.error('MD-ATCS', `AttributeConsumingService ${idx}: no ServiceName`);
    const names = children(s, NS.md, 'RequestedAttribute').map((r) => attr(r, 'Name') ?? '');
    const extra = names.filter((n) => !(EIDAS_MINIMUM as readonly string[]).includes(n));
    if (extra.length > 0)
      f.error(
        'MD-ATCS-ATTRIBUTES',
        `AttributeConsumingService ${idx} requests ${extra.join(', ')}: only ${EIDAS_MINIMUM.join(', ')} may be requested`,
      );
    const missing = EIDAS_MINIMUM.filter((n) => !names.includes(n));
    if (missing.length > 0)
      f.error(
        'MD-ATCS-MINIMUM',
        `AttributeConsumingService ${idx} lacks ${missing.join(', ')} of the eIDAS minimum dataset`,
      );
  }
}

function checkOrganization(root: Element, f: Findings): Element | undefined {
  const org = children(root, NS.md, 'Organization')[0];
  if (!org) {
    f.error('MD-ORGANIZATION', 'no Organization');
    return undefined;
  }
  for (const n of ['OrganizationName', 'OrganizationDisplayName', 'OrganizationURL']) {
    const list = children(org, NS.md, n);
    if (list.length === 0) f.error('MD-ORGANIZATION', `Organization has no ${n}`);
    else if (!list.some((e) => e.getAttribute('xml:lang') === 'it'))
      f.warn('MD-ORGANIZATION', `${n} has no xml:lang="it" instance`);
  }
  return org;
}

function checkRoot(root: Element, f: Findings): void {
  const id = attr(root, 'entityID');
  if (!id) return f.error('MD-ENTITYID', 'EntityDescriptor has no entityID');
  if (id.length > 1024) f.error('MD-ENTITYID', `entityID of ${id.length} characters exceeds 1024`);
  if (!/^https:\/\//.test(id))
    f.warn('MD-ENTITYID', `entityID '${id}' is not an https URL (recommended)`);
}

/** Checks `xml` against every rule; the model is returned only when there is no error. */
export function checkSpMetadata(xml: string, now: Date): MetadataCheck {
  const f = new Findings();
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (e) {
    f.error('MD-XML', e instanceof XmlInputError ? e.message : String(e));
    return { report: { ok: false, findings: f.list } };
  }
  let root = doc.documentElement;
  const entityId = attr(root, 'entityID');
  if (root.namespaceURI !== NS.md || root.localName !== 'EntityDescriptor') {
    f.error(
      'MD-ROOT',
      `root element is ${root.localName}, must be exactly one md:EntityDescriptor`,
    );
    return { report: { ok: false, findings: f.list } };
  }
  const sso0 = spSsoDescriptor(root);
  const pems = sso0
    ? signingCertificateTexts(sso0)
        .map(x509Pem)
        .filter((p): p is string => !!p)
    : [];
  const sig = verifyEnvelopedRoot(xml, pems);
  if (sig.ok) root = sig.signedDocument.documentElement;
  else f.error('MD-SIGNATURE', `metadata signature: ${sig.failure} (${sig.detail})`);
  checkRoot(root, f);
  const ssos = children(root, NS.md, 'SPSSODescriptor');
  if (ssos.length !== 1)
    f.error('MD-SPSSO', `${ssos.length} SPSSODescriptor elements, exactly 1 required`);
  const sso = ssos[0];
  if (sso) {
    checkDescriptor(sso, f);
    checkCertificates(sso, f, now);
    checkAcs(sso, f);
    checkAttributeServices(sso, f);
  }
  const org = checkOrganization(root, f);
  checkContacts(root, org, f);
  if (childElements(root).length === 0) f.error('MD-ROOT', 'empty EntityDescriptor');
  const ok = !f.list.some((x) => x.severity === 'error');
  const report = { ...(entityId ? { entityId } : {}), ok, findings: f.list };
  return ok && sig.ok ? { report, metadata: readSpMetadata(root, sig.signedXml) } : { report };
}

/** A report a person can read: one line per finding. */
export function formatReport(r: MetadataReport): string {
  const head = `${r.entityId ?? '(no entityID)'}: ${r.ok ? 'accepted' : 'REFUSED'}`;
  const lines = r.findings.map(
    (x) => `  ${x.severity === 'error' ? 'ERROR  ' : 'warning'} ${x.rule}: ${x.message}`,
  );
  return [head, ...lines].join('\n');
}
