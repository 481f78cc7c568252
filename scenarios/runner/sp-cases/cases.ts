/**
 * The SP response cases, as data: each names what it changes in an otherwise correct CIE Response
 * to the SP's own AuthnRequest, what the SP must do with it, and where the rule comes from. The
 * numbers in the references are spid-sp-test's (italia/spid-sp-test
 * `src/spid_sp_test/responses/settings.py`, the 111 response tests of spid-saml-check), whose
 * verdict there is a human's tick or an HTTP status; here the verdict is what the SP does in the
 * browser (a session opened or not, the error shown).
 *
 * Expectations:
 * - `session`: a conformant Response; the SP must open a session;
 * - `no-session`: the SP must refuse (any refusal page or its error page) and hold no session;
 * - `error-page`: a CIE error Response; the SP must show its error page with that code, no session.
 */
import { removeAttr, removeElement, setAttr, type CraftPlan, type Edit } from './craft.ts';
import { secondAssertion, xsw1, xsw2, xsw3, xsw4, xsw5, xsw6, xsw7, xsw8 } from './xsw.ts';

export type SpCaseExpectation = 'session' | 'no-session' | 'error-page';

export interface SpCase {
  readonly id: string;
  readonly title: string;
  readonly refs: readonly string[];
  readonly expect: SpCaseExpectation;
  readonly errorCode?: 21 | 22 | 23 | 25;
  readonly plan: CraftPlan;
}

const SST = 'italia/spid-sp-test responses/settings.py case';
const CORE = 'OASIS saml-core-2.0-os';
const PROFILES = 'OASIS saml-profiles-2.0-os §4.1.4.3';
const CIE = 'italia/cie-eid-saml-docs:docs/it/protocolli.rst';
const A = 'saml:Assertion';
const R = 'samlp:Response';
const PAST = '2018-01-01T00:00:00Z';
const FUTURE = '2099-01-01T00:00:00Z';
const BAD_TIME = '01/01/2099 00:00';

const tamperAttribute: Edit = (xml) =>
  xml.replace(
    /(<saml:Attribute Name="fiscalNumber"[^>]*>\s*<saml:AttributeValue\b[^>]*>)[^<]*/,
    '$1TINIT-NTRVEA80A41H501Z',
  );

const c = (
  id: string,
  title: string,
  refs: readonly string[],
  expect: SpCaseExpectation,
  plan: CraftPlan,
  errorCode?: SpCase['errorCode'],
): SpCase => ({ id, title, refs, expect, plan, ...(errorCode ? { errorCode } : {}) });

const error = (code: 21 | 22 | 23 | 25, what: string, sst: number): SpCase =>
  c(
    `error-${code}`,
    `CIE error ${code} (${what}): the SP shows its error page with the code`,
    [`${SST} ${sst}`, 'italia/cie-eid-saml-docs:docs/it/codiciErrore.rst'],
    'error-page',
    {
      spec: {
        status: {
          code: 'Responder',
          subCode: 'AuthnFailed',
          message: `ErrorCode nr${code}`,
        },
      },
    },
    code,
  );

export const SP_CASES: readonly SpCase[] = [
  // The conformant Response and its allowed variants.
  c(
    'correct',
    'A correct CIE Response (signed Response and Assertion)',
    [`${SST} 1`, CIE],
    'session',
    {},
  ),
  c(
    'response-issuer-format-entity',
    'The Response Issuer carries Format entity (allowed)',
    [`${SST} 31`, CIE],
    'session',
    {
      spec: { responseIssuerFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity' },
    },
  ),
  // Signatures.
  c(
    'response-unsigned',
    'The Response is not signed (the Assertion is)',
    [`${SST} 2`, CIE],
    'no-session',
    {
      signResponse: false,
    },
  ),
  c(
    'assertion-unsigned',
    'The Assertion is not signed (the Response is)',
    [`${SST} 3`, CIE],
    'no-session',
    {
      signAssertion: false,
    },
  ),
  c(
    'signed-by-other-key',
    'Response and Assertion signed with a key the SP does not know',
    [`${SST} 4`],
    'no-session',
    {
      signer: 'other',
    },
  ),
  c(
    'assertion-tampered',
    'The fiscal number changed after the Assertion was signed (Response re-signed)',
    [`${SST} 100`, 'W3C xmldsig-core1 §3.2.1 reference validation'],
    'no-session',
    {
      signResponse: false,
      after: tamperAttribute,
    },
  ),
  c(
    'xsw1',
    'XSW1: evil Response carrying the signature, genuine Response inside the Signature',
    ['Somorovsky et al. 2012 §4 XSW1', `${SST} (XSW)`],
    'no-session',
    { after: xsw1 },
  ),
  c(
    'xsw2',
    'XSW2: evil Response with the genuine signed Response before its content',
    ['Somorovsky et al. 2012 §4 XSW2'],
    'no-session',
    { after: xsw2 },
  ),
  c(
    'xsw3',
    'XSW3: an evil Assertion before the genuine signed one',
    ['Somorovsky et al. 2012 §4 XSW3'],
    'no-session',
    { after: xsw3 },
  ),
  c(
    'xsw4',
    'XSW4: the genuine signed Assertion wrapped inside an evil one',
    ['Somorovsky et al. 2012 §4 XSW4'],
    'no-session',
    { after: xsw4 },
  ),
  c(
    'xsw5',
    'XSW5: the evil Assertion carries the genuine signature',
    ['Somorovsky et al. 2012 §4 XSW5'],
    'no-session',
    { after: xsw5 },
  ),
  c(
    'xsw6',
    'XSW6: the evil Assertion carries the signature with the genuine Assertion inside it',
    ['Somorovsky et al. 2012 §4 XSW6'],
    'no-session',
    { after: xsw6 },
  ),
  c(
    'xsw7',
    'XSW7: the genuine Assertion hidden in Extensions, the evil one in its place',
    ['Somorovsky et al. 2012 §4 XSW7'],
    'no-session',
    { after: xsw7 },
  ),
  c(
    'xsw8',
    "XSW8: the genuine Assertion in a ds:Object of the evil Assertion's signature",
    ['Somorovsky et al. 2012 §4 XSW8'],
    'no-session',
    { after: xsw8 },
  ),
  c(
    'two-assertions',
    'A second (unsigned, evil) Assertion after the genuine one',
    [`${CORE} §2.7.3`, CIE],
    'no-session',
    { after: secondAssertion },
  ),
  // Response fields (signed after the change).
  c('version-not-2', 'Response Version is not 2.0', [`${SST} 10`], 'no-session', {
    before: setAttr(R, 'Version', '1.0'),
  }),
  c('issue-instant-missing', 'Response IssueInstant missing', [`${SST} 12`], 'no-session', {
    before: removeAttr(R, 'IssueInstant'),
  }),
  c('issue-instant-malformed', 'Response IssueInstant malformed', [`${SST} 13`], 'no-session', {
    before: setAttr(R, 'IssueInstant', BAD_TIME),
  }),
  c(
    'issue-instant-before-request',
    'Response IssueInstant before the request',
    [`${SST} 14`],
    'no-session',
    { before: setAttr(R, 'IssueInstant', PAST) },
  ),
  c(
    'issue-instant-future',
    'Response IssueInstant after its receipt',
    [`${SST} 15`],
    'no-session',
    { before: setAttr(R, 'IssueInstant', FUTURE) },
  ),
  c('in-response-to-missing', 'Response InResponseTo missing', [`${SST} 17`], 'no-session', {
    before: removeAttr(R, 'InResponseTo'),
  }),
  c(
    'in-response-to-other',
    'Response InResponseTo is not the request ID',
    [`${SST} 18`],
    'no-session',
    { before: setAttr(R, 'InResponseTo', '_inresponsetodiversodaidrequest') },
  ),
  c('destination-missing', 'Response Destination missing', [`${SST} 20`], 'no-session', {
    before: removeAttr(R, 'Destination'),
  }),
  c('destination-other', 'Response Destination is not the ACS URL', [`${SST} 21`], 'no-session', {
    spec: { destination: 'https://attacker.invalid/acs' },
  }),
  c('status-missing', 'Response Status missing', [`${SST} 23`], 'no-session', {
    before: removeElement('samlp:Status'),
  }),
  c(
    'status-requester',
    'StatusCode Requester without an error message (not Success)',
    [`${SST} 26`],
    'no-session',
    { spec: { status: { code: 'Requester' } } },
  ),
  c('response-issuer-missing', 'Response Issuer missing', [`${SST} 28`], 'no-session', {
    before: (x) =>
      x.replace(/(<samlp:Response\b[^>]*>)<saml:Issuer\b[^>]*>[^<]*<\/saml:Issuer>/, '$1'),
  }),
  c('response-issuer-other', 'Response Issuer is not the IdP', [`${SST} 29`], 'no-session', {
    before: (x) =>
      x.replace(
        /(<samlp:Response\b[^>]*><saml:Issuer\b[^>]*>)[^<]*/,
        '$1https://attacker.invalid/idp',
      ),
  }),
  c(
    'response-issuer-format-other',
    'Response Issuer Format other than entity',
    [`${SST} 30`],
    'no-session',
    {
      spec: { responseIssuerFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' },
    },
  ),
  c('success-without-assertion', 'Status Success and no Assertion', [`${SST} 32`], 'no-session', {
    before: removeElement(A),
  }),
  // Assertion fields.
  c('assertion-version-not-2', 'Assertion Version is not 2.0', [`${SST} 35`], 'no-session', {
    before: setAttr(A, 'Version', '1.0'),
  }),
  c(
    'assertion-issue-instant-malformed',
    'Assertion IssueInstant malformed',
    [`${SST} 38`],
    'no-session',
    { before: setAttr(A, 'IssueInstant', BAD_TIME) },
  ),
  c('subject-missing', 'Assertion Subject missing', [`${SST} 42`], 'no-session', {
    before: removeElement('saml:Subject'),
  }),
  c('name-id-missing', 'NameID missing', [`${SST} 44`], 'no-session', {
    before: removeElement('saml:NameID'),
  }),
  c('name-id-not-transient', 'NameID Format not transient', [`${SST} 47`, CIE], 'no-session', {
    before: setAttr(
      'saml:NameID',
      'Format',
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    ),
  }),
  c('name-qualifier-missing', 'NameID NameQualifier missing', [`${SST} 49`, CIE], 'no-session', {
    before: removeAttr('saml:NameID', 'NameQualifier'),
  }),
  c(
    'subject-confirmation-not-bearer',
    'SubjectConfirmation Method is not bearer',
    [`${SST} 55`, PROFILES],
    'no-session',
    {
      before: setAttr(
        'saml:SubjectConfirmation',
        'Method',
        'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key',
      ),
    },
  ),
  c(
    'recipient-other',
    'SubjectConfirmationData Recipient is not the ACS URL',
    [`${SST} 59`, PROFILES],
    'no-session',
    { spec: { recipient: 'https://attacker.invalid/acs' } },
  ),
  c(
    'subject-in-response-to-other',
    'SubjectConfirmationData InResponseTo is not the request ID',
    [`${SST} 62`, PROFILES],
    'no-session',
    {
      before: setAttr(
        'saml:SubjectConfirmationData',
        'InResponseTo',
        '_inresponsetodiversodaidrequest',
      ),
    },
  ),
  c(
    'subject-confirmation-expired',
    'SubjectConfirmationData NotOnOrAfter in the past',
    [`${SST} 66`, PROFILES],
    'no-session',
    { before: setAttr('saml:SubjectConfirmationData', 'NotOnOrAfter', PAST) },
  ),
  c('assertion-issuer-other', 'Assertion Issuer is not the IdP', [`${SST} 69`], 'no-session', {
    before: (x) =>
      x.replace(
        /(<saml:Assertion\b[^>]*><saml:Issuer\b[^>]*>)[^<]*/,
        '$1https://attacker.invalid/idp',
      ),
  }),
  c(
    'conditions-not-yet-valid',
    'Conditions NotBefore in the future',
    [`${SST} 78`, `${CORE} §2.5.1.2`],
    'no-session',
    { before: setAttr('saml:Conditions', 'NotBefore', FUTURE) },
  ),
  c(
    'conditions-expired',
    'Conditions NotOnOrAfter in the past',
    [`${SST} 82`, `${CORE} §2.5.1.2`],
    'no-session',
    { before: setAttr('saml:Conditions', 'NotOnOrAfter', PAST) },
  ),
  c('audience-other', 'Audience is not the SP', [`${SST} 87`, `${CORE} §2.5.1.4`], 'no-session', {
    spec: { audience: 'https://attacker.invalid/sp' },
  }),
  c('authn-statement-missing', 'AuthnStatement missing', [`${SST} 89`], 'no-session', {
    before: removeElement('saml:AuthnStatement'),
  }),
  c(
    'authn-context-l1',
    'AuthnContextClassRef SpidL1 for an SpidL3 request',
    [`${SST} 94`, CIE],
    'no-session',
    { spec: { classRef: 'https://www.spid.gov.it/SpidL1' } },
  ),
  c('authn-context-unknown', 'AuthnContextClassRef unknown', [`${SST} 97`], 'no-session', {
    spec: { classRef: 'urn:unknown:class' },
  }),
  c(
    'attribute-statement-empty',
    'AttributeStatement without attributes',
    [`${SST} 98`, CIE],
    'no-session',
    {
      before: (x) =>
        x.replace(
          /<saml:AttributeStatement>[\s\S]*?<\/saml:AttributeStatement>/,
          '<saml:AttributeStatement></saml:AttributeStatement>',
        ),
    },
  ),
  c(
    'attributes-missing',
    'Only the name among the requested attributes',
    [`${SST} 103`, CIE],
    'no-session',
    { spec: { attributes: { name: 'MARIO' } } },
  ),
  c(
    'attribute-extra',
    'An attribute the SP did not request (spidCode)',
    [`${SST} 103`, CIE],
    'no-session',
    {
      spec: {
        attributes: {
          name: 'MARIO',
          familyName: 'ROSSI',
          dateOfBirth: '1980-01-01',
          fiscalNumber: 'TINIT-RSSMRA80A01H501U',
          spidCode: 'ABCD1234567890',
        },
      },
    },
  ),
  c(
    'doctype-entity',
    'A DOCTYPE with an internal entity (XML parsers must refuse DTDs)',
    ['OWASP XXE Prevention Cheat Sheet', 'SAML core §1.3 (no DTD)'],
    'no-session',
    {
      after: (x) =>
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "TINIT-NTRVEA80A41H501Z">]>${x.replace(/(<saml:Attribute Name="fiscalNumber"[^>]*>\s*<saml:AttributeValue\b[^>]*>)[^<]*/, '$1&e;')}`,
    },
  ),
  // The CIE error codes an SP must show (the federation asks screenshots of 21, 22, 25).
  error(21, 'time-out', 106),
  error(22, 'consent refused', 107),
  error(23, 'card expired or revoked', 108),
  error(25, 'cancelled by the user', 111),
];

/** The case with that id (zod-free: ids are checked by the command line against this list). */
export function spCase(id: string): SpCase | undefined {
  return SP_CASES.find((x) => x.id === id);
}
