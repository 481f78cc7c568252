/**
 * The Response of the CIE IdP (Regole tecniche CIE id, "Risposta di autenticazione SAML", and SAML
 * core §3.3.3, §2.3–2.7): the Assertion is signed first, then embedded and the Response signed.
 *
 * - Response: `Destination` = ACS, `InResponseTo`, `IssueInstant`, `Version`; Issuer **without**
 *   `Format` (the CIE difference from SPID); Status; on error no Assertion and a StatusMessage
 *   "ErrorCode nrNN".
 * - Assertion: Issuer with `Format=…:entity` (as the published example); Subject with a transient
 *   NameID qualified by the IdP entityID; bearer SubjectConfirmation (`InResponseTo`,
 *   `NotOnOrAfter`, `Recipient` = ACS); Conditions with a 5-minute window and the SP as Audience;
 *   AuthnStatement with `https://www.spid.gov.it/SpidL3`; AttributeStatement with the four eIDAS
 *   attributes, NameFormat basic, `xsi:type="xs:string"`, FriendlyNames "Nome", "Cognome",
 *   "Data di Nascita", "Codice Fiscale".
 */
import { escapeXml as x, isoInstant, NS } from './xml.ts';
import { signRootElement, type SigningKey } from './sign.ts';
import { STATUS, statusMessage, type SamlErrorOutcome } from './status.ts';

export const SPID_L3 = 'https://www.spid.gov.it/SpidL3';
export const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
export const NAMEID_ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
export const ATTRNAME_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
export const CM_BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
/** Conditions and SubjectConfirmationData window (the published example spans 5 minutes). */
export const ASSERTION_LIFETIME_MS = 5 * 60 * 1000;

export interface CitizenAttributes {
  readonly name: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly dateOfBirth: string;
  /** The bare fiscal code; the attribute value is `TINIT-<CF>`. */
  readonly fiscalCode: string;
}

/** The four attributes in the order and with the FriendlyNames of the published example. */
export const ATTRIBUTES = [
  {
    name: 'dateOfBirth',
    friendly: 'Data di Nascita',
    value: (c: CitizenAttributes) => c.dateOfBirth,
  },
  {
    name: 'fiscalNumber',
    friendly: 'Codice Fiscale',
    value: (c: CitizenAttributes) => `TINIT-${c.fiscalCode}`,
  },
  { name: 'name', friendly: 'Nome', value: (c: CitizenAttributes) => c.name },
  { name: 'familyName', friendly: 'Cognome', value: (c: CitizenAttributes) => c.familyName },
] as const;

export interface ResponseContext {
  readonly idpEntityId: string;
  readonly spEntityId: string;
  readonly acsUrl: string;
  /** Absent only when the request ID itself was unusable (code 11). */
  readonly inResponseTo?: string;
  readonly now: Date;
  readonly key: SigningKey;
  /** Fresh identifiers (`_` + 32 hex): xs:ID must not start with a digit. */
  readonly newId: () => string;
}

export interface SuccessInput {
  readonly citizen: CitizenAttributes;
  readonly authnInstant: Date;
  readonly sessionIndex: string;
  /** Opaque transient NameID value. */
  readonly nameId: string;
  /** Attributes requested by the SP's AttributeConsumingService (default: all four). */
  readonly attributes?: readonly string[];
}

function responseOpen(c: ResponseContext, id: string): string {
  const irt = c.inResponseTo === undefined ? '' : ` InResponseTo="${x(c.inResponseTo)}"`;
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${id}" Version="2.0"` +
    ` IssueInstant="${isoInstant(c.now)}" Destination="${x(c.acsUrl)}"${irt}>` +
    `<saml:Issuer>${x(c.idpEntityId)}</saml:Issuer>`
  );
}

function assertionXml(c: ResponseContext, s: SuccessInput, id: string): string {
  const until = isoInstant(new Date(c.now.getTime() + ASSERTION_LIFETIME_MS));
  const irt = c.inResponseTo === undefined ? '' : ` InResponseTo="${x(c.inResponseTo)}"`;
  const wanted = new Set(s.attributes ?? ATTRIBUTES.map((a) => a.name));
  const attrs = ATTRIBUTES.filter((a) => wanted.has(a.name))
    .map(
      (a) =>
        `<saml:Attribute FriendlyName="${a.friendly}" Name="${a.name}" NameFormat="${ATTRNAME_BASIC}">` +
        `<saml:AttributeValue xsi:type="xs:string">${x(a.value(s.citizen))}</saml:AttributeValue>` +
        `</saml:Attribute>`,
    )
    .join('');
  return (
    `<saml:Assertion xmlns:saml="${NS.saml}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}"` +
    ` ID="${id}" IssueInstant="${isoInstant(c.now)}" Version="2.0">` +
    `<saml:Issuer Format="${NAMEID_ENTITY}">${x(c.idpEntityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${NAMEID_TRANSIENT}" NameQualifier="${x(c.idpEntityId)}">` +
    `${x(s.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="${CM_BEARER}"><saml:SubjectConfirmationData${irt}` +
    ` NotOnOrAfter="${until}" Recipient="${x(c.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${isoInstant(c.now)}" NotOnOrAfter="${until}">` +
    `<saml:AudienceRestriction><saml:Audience>${x(c.spEntityId)}</saml:Audience>` +
    `</saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${isoInstant(s.authnInstant)}" SessionIndex="${x(s.sessionIndex)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${SPID_L3}</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`
  );
}

function stripDeclaration(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>\s*/, '');
}

/** A signed success Response carrying a signed Assertion. */
export function successResponse(c: ResponseContext, s: SuccessInput): string {
  const assertion = stripDeclaration(signRootElement(assertionXml(c, s, c.newId()), c.key));
  const xml =
    responseOpen(c, c.newId()) +
    `<samlp:Status><samlp:StatusCode Value="${STATUS.success}"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`;
  return signRootElement(xml, c.key);
}

/** A signed error Response: top-level (and second-level) status, "ErrorCode nrNN", no Assertion. */
export function errorResponse(c: ResponseContext, e: SamlErrorOutcome): string {
  const sub = e.sub ? `<samlp:StatusCode Value="${e.sub}"/>` : '';
  const xml =
    responseOpen(c, c.newId()) +
    `<samlp:Status><samlp:StatusCode Value="${e.top}">${sub}</samlp:StatusCode>` +
    `<samlp:StatusMessage>${statusMessage(e.code)}</samlp:StatusMessage></samlp:Status>` +
    `</samlp:Response>`;
  return signRootElement(xml, c.key);
}
