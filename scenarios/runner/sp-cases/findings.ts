/**
 * Known findings: how a third-party SP, as configured in the bench (scenarios/sp/third-party),
 * answers a case differently from what the CIE rules ask. The OpenID conformance suite keeps such
 * deviations in an expected-failures file keyed by test and condition; here each entry names the
 * SP, the case, what the SP does (opens a session or not) and why. A listed case is reported as a
 * known finding (skipped, with the reason) while the SP behaves so, and fails when it stops —
 * the entry is then removed.
 */
import type { SpActor } from '../model.ts';

export interface KnownFinding {
  readonly sp: SpActor['kind'];
  readonly case: string;
  /** Whether the SP opens a session for this case. */
  readonly session: boolean;
  readonly reason: string;
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    sp: 'simplesamlphp',
    case: 'response-unsigned',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 requires the Response or the Assertion to be signed, not both',
  },
  {
    sp: 'simplesamlphp',
    case: 'assertion-unsigned',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 requires the Response or the Assertion to be signed, not both',
  },
  {
    sp: 'simplesamlphp',
    case: 'issue-instant-before-request',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 does not compare the Response IssueInstant with the request or the time of receipt',
  },
  {
    sp: 'simplesamlphp',
    case: 'issue-instant-future',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 does not compare the Response IssueInstant with the time of receipt',
  },
  {
    sp: 'simplesamlphp',
    case: 'in-response-to-missing',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 accepts a Response without InResponseTo (an unsolicited Response)',
  },
  {
    sp: 'simplesamlphp',
    case: 'destination-missing',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 checks the Response Destination only when it is present',
  },
  {
    sp: 'simplesamlphp',
    case: 'response-issuer-missing',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 accepts a Response without an Issuer (the Assertion Issuer names the IdP)',
  },
  {
    sp: 'simplesamlphp',
    case: 'response-issuer-format-other',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 does not check the Format of the Response Issuer',
  },
  {
    sp: 'simplesamlphp',
    case: 'assertion-issuer-other',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 identifies the IdP by the Response Issuer and does not compare the Assertion Issuer with it',
  },
  {
    sp: 'simplesamlphp',
    case: 'name-id-missing',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 accepts an Assertion without NameID (CIE requires a transient NameID)',
  },
  {
    sp: 'simplesamlphp',
    case: 'name-id-not-transient',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 does not check the NameID Format (CIE requires transient)',
  },
  {
    sp: 'simplesamlphp',
    case: 'name-qualifier-missing',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 does not require the NameID NameQualifier (CIE requires it)',
  },
  {
    sp: 'simplesamlphp',
    case: 'authn-context-l1',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 does not compare the AuthnContextClassRef with the requested one (left to the application)',
  },
  {
    sp: 'simplesamlphp',
    case: 'authn-context-unknown',
    session: true,
    reason:
      'SimpleSAMLphp 1.19.7 does not compare the AuthnContextClassRef with the requested one (left to the application)',
  },
  {
    sp: 'simplesamlphp',
    case: 'attribute-statement-empty',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 leaves the attribute set to the application',
  },
  {
    sp: 'simplesamlphp',
    case: 'attributes-missing',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 leaves the attribute set to the application',
  },
  {
    sp: 'simplesamlphp',
    case: 'attribute-extra',
    session: true,
    reason: 'SimpleSAMLphp 1.19.7 leaves the attribute set to the application',
  },
  {
    sp: 'shibboleth',
    case: 'response-unsigned',
    session: true,
    reason: 'Shibboleth SP 3.4.1 with requireSignedAssertions checks the Assertion signature only',
  },
  {
    sp: 'shibboleth',
    case: 'xsw3',
    session: true,
    reason:
      "Shibboleth SP 3.4.1 uses the signed Assertion and ignores an unsigned one placed before it: the session is the genuine citizen's, but the two-assertion Response is not refused",
  },
  {
    sp: 'shibboleth',
    case: 'in-response-to-missing',
    session: true,
    reason: 'Shibboleth SP 3.4.1 as configured accepts unsolicited Responses (no InResponseTo)',
  },
  {
    sp: 'shibboleth',
    case: 'in-response-to-other',
    session: true,
    reason:
      'Shibboleth SP 3.4.1 as configured accepts a Response whose InResponseTo names no request of its own',
  },
  {
    sp: 'shibboleth',
    case: 'subject-in-response-to-other',
    session: true,
    reason:
      'Shibboleth SP 3.4.1 as configured does not compare the SubjectConfirmationData InResponseTo with its requests',
  },
  {
    sp: 'shibboleth',
    case: 'response-issuer-missing',
    session: true,
    reason:
      'Shibboleth SP 3.4.1 accepts a Response without an Issuer (the Assertion Issuer names the IdP)',
  },
  {
    sp: 'shibboleth',
    case: 'name-id-missing',
    session: true,
    reason:
      'Shibboleth SP 3.4.1 accepts an Assertion without NameID (CIE requires a transient NameID)',
  },
  {
    sp: 'shibboleth',
    case: 'name-id-not-transient',
    session: true,
    reason: 'Shibboleth SP 3.4.1 does not check the NameID Format (CIE requires transient)',
  },
  {
    sp: 'shibboleth',
    case: 'name-qualifier-missing',
    session: true,
    reason: 'Shibboleth SP 3.4.1 does not require the NameID NameQualifier (CIE requires it)',
  },
  {
    sp: 'shibboleth',
    case: 'authn-context-l1',
    session: true,
    reason:
      'Shibboleth SP 3.4.1 does not compare the AuthnContextClassRef with the requested one (left to the application)',
  },
  {
    sp: 'shibboleth',
    case: 'authn-context-unknown',
    session: true,
    reason:
      'Shibboleth SP 3.4.1 does not compare the AuthnContextClassRef with the requested one (left to the application)',
  },
  {
    sp: 'shibboleth',
    case: 'attributes-missing',
    session: true,
    reason: 'Shibboleth SP 3.4.1 leaves the attribute set to the application',
  },
  {
    sp: 'shibboleth',
    case: 'attribute-extra',
    session: true,
    reason: 'Shibboleth SP 3.4.1 leaves the attribute set to the application',
  },
];

export function knownFinding(sp: SpActor['kind'], caseId: string): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((f) => f.sp === sp && f.case === caseId);
}
