/**
 * The reference SP's ACS against crafted responses (a stand-in for the IdP's signing side): the
 * conformant CIE Response logs in and shows the attributes; every check named in acs-checks.ts has
 * a response that breaks it and is refused with a 403 naming the check; IdP error statuses end on
 * the SP's error page with the ErrorCode; named defects switch off exactly their check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpDefect } from './config.ts';
import { startServiceProvider, type ServiceProvider } from './service-provider.ts';
import { buildResponse, standInIdp, type ResponseSpec } from './stand-in/stand-in-idp.ts';
import { postToAcs, startRedirectLogin, type AcsResult } from './testing/sp-client.ts';

const idp = standInIdp();
const other = standInIdp('another-idp-key');
let sp: ServiceProvider;

beforeAll(async () => {
  sp = await startServiceProvider({ protocol: 'http' }, { idpMetadataXml: idp.metadataXml });
});
afterAll(async () => sp?.close());

async function login(
  target: ServiceProvider,
  edit: Partial<ResponseSpec> = {},
): Promise<AcsResult & { requestId: string; relayState: string }> {
  const l = await startRedirectLogin(target);
  const xml = buildResponse(idp, {
    acsUrl: target.urls.acs,
    audience: target.urls.entityId,
    inResponseTo: l.requestId,
    ...edit,
  });
  return {
    ...(await postToAcs(target, xml, l.relayState)),
    requestId: l.requestId,
    relayState: l.relayState,
  };
}

describe('ACS: a conformant CIE Response', () => {
  it('logs in (303 to /attributes, session cookie) and the page shows the four attributes', async () => {
    const r = await login(sp);
    expect(r.status).toBe(303);
    expect(r.location).toBe('/attributes');
    expect(r.cookie).toMatch(/^ciebench_sp=/);
    const page = await (
      await fetch(sp.urls.attributes, { headers: { cookie: r.cookie ?? '' } })
    ).text();
    expect(page).toContain('id="attr-fiscalNumber">TINIT-RSSMRA80A01H501U<');
    expect(page).toContain('id="attr-name">MARIO<');
    expect(page).toContain('id="attr-familyName">ROSSI<');
    expect(page).toContain('id="attr-dateOfBirth">1980-01-01<');
    expect(page).toContain('https://www.spid.gov.it/SpidL3');
    const outcome = sp.outcomes.at(-1);
    expect(outcome?.kind).toBe('login');
    if (outcome?.kind === 'login') expect(outcome.session.requestId).toBe(r.requestId);
  });

  it('accepts the Response Issuer with Format entity too (spid-sp-test case 31 is the CIE form without)', async () => {
    const r = await login(sp, {
      responseIssuerFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
    });
    expect(r.status).toBe(303);
  });

  it('without a session /attributes answers 401; logout clears the session and goes to the IdP logout URL', async () => {
    expect((await fetch(sp.urls.attributes)).status).toBe(401);
    const r = await login(sp);
    const out = await fetch(sp.urls.logout, {
      headers: { cookie: r.cookie ?? '' },
      redirect: 'manual',
    });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(`${idp.entityId.replace('POST/SSO', 'Redirect/SLO')}`);
    expect((await fetch(sp.urls.attributes, { headers: { cookie: r.cookie ?? '' } })).status).toBe(
      401,
    );
  });
});

/** Each row: what is broken, the edit, the check named in the refusal. */
const REFUSED: ReadonlyArray<readonly [string, Partial<ResponseSpec>, string]> = [
  ['Response unsigned', { signResponse: false }, 'saml: Invalid document signature'],
  ['Assertion unsigned', { signAssertion: false }, 'saml: Invalid signature'],
  ['signed with another key', { signer: other.signing }, 'saml: Invalid document signature'],
  ['Status missing', { omitStatus: true }, 'response: Status with a StatusCode missing'],
  ['wrong Destination', { destination: 'https://elsewhere.invalid/acs' }, 'destination:'],
  ['wrong Recipient', { recipient: 'https://elsewhere.invalid/acs' }, 'recipient:'],
  [
    'wrong audience',
    { audience: 'https://elsewhere.invalid/sp' },
    'saml: SAML assertion audience mismatch',
  ],
  ['wrong Issuer', { issuer: 'https://evil.invalid/idp' }, 'issuer:'],
  [
    'Response Issuer with another Format',
    { responseIssuerFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' },
    'issuer: Response Issuer Format',
  ],
  // node-saml reports the expired SubjectConfirmationData before the Conditions.
  [
    'expired (issued 10 minutes ago)',
    { now: new Date(Date.now() - 10 * 60_000) },
    'saml: No valid subject confirmation',
  ],
  [
    'issued in the future',
    { now: new Date(Date.now() + 10 * 60_000) },
    'saml: SAML assertion not yet valid',
  ],
  [
    'SpidL2 when L3 was asked exactly',
    { classRef: 'https://www.spid.gov.it/SpidL2' },
    'authn-context:',
  ],
  [
    'an attribute missing',
    { attributes: { name: 'MARIO', familyName: 'ROSSI', fiscalNumber: 'TINIT-RSSMRA80A01H501U' } },
    'attributes: got',
  ],
  [
    'an extra attribute',
    {
      attributes: {
        name: 'A',
        familyName: 'B',
        dateOfBirth: '1980-01-01',
        fiscalNumber: 'TINIT-RSSMRA80A01H501U',
        email: 'x@y.z',
      },
    },
    'attributes: got',
  ],
  [
    'fiscalNumber without TINIT-',
    {
      attributes: {
        name: 'A',
        familyName: 'B',
        dateOfBirth: '1980-01-01',
        fiscalNumber: 'RSSMRA80A01H501U',
      },
    },
    'attributes: fiscalNumber',
  ],
  [
    'dateOfBirth not YYYY-MM-DD',
    {
      attributes: {
        name: 'A',
        familyName: 'B',
        dateOfBirth: '01/01/1980',
        fiscalNumber: 'TINIT-RSSMRA80A01H501U',
      },
    },
    'attributes: dateOfBirth',
  ],
  [
    'signed Assertion altered after signing',
    { afterAssertionSigned: (x) => x.replace('>MARIO<', '>LUIGI<') },
    'saml: Invalid signature',
  ],
];

describe('ACS refuses broken responses (403, the check named)', () => {
  for (const [what, edit, check] of REFUSED)
    it(what, async () => {
      const r = await login(sp, edit);
      expect(r.status).toBe(403);
      expect(r.body).toContain('id="sp-response-rejected"');
      const outcome = sp.outcomes.at(-1);
      expect(outcome?.kind).toBe('rejected');
      if (outcome?.kind === 'rejected') expect(outcome.problems.join(' | ')).toContain(check);
      expect(r.cookie).toBeNull();
    });

  it('a replayed Response (same InResponseTo) is refused the second time', async () => {
    const l = await startRedirectLogin(sp);
    const xml = buildResponse(idp, {
      acsUrl: sp.urls.acs,
      audience: sp.urls.entityId,
      inResponseTo: l.requestId,
    });
    expect((await postToAcs(sp, xml, l.relayState)).status).toBe(303);
    const again = await postToAcs(sp, xml, l.relayState);
    expect(again.status).toBe(403);
    expect(again.body).toContain('InResponseTo is not valid');
  });

  it('a Response to a request this SP never issued is refused', async () => {
    const l = await startRedirectLogin(sp);
    const xml = buildResponse(idp, {
      acsUrl: sp.urls.acs,
      audience: sp.urls.entityId,
      inResponseTo: '_0123456789abcdef',
    });
    const r = await postToAcs(sp, xml, l.relayState);
    expect(r.status).toBe(403);
    expect(r.body).toContain('InResponseTo is not valid');
  });

  it('a RelayState the SP did not issue is refused', async () => {
    const l = await startRedirectLogin(sp);
    const xml = buildResponse(idp, {
      acsUrl: sp.urls.acs,
      audience: sp.urls.entityId,
      inResponseTo: l.requestId,
    });
    const r = await postToAcs(sp, xml, 'forged-relay-state');
    expect(r.status).toBe(403);
    expect(r.body).toContain('relay-state:');
  });

  it('an Assertion wrapped next to a signed one (two assertions) is refused', async () => {
    const r = await login(sp, {
      afterAssertionSigned: (x) =>
        `${x}${x.replace(/ID="[^"]+"/, 'ID="_evil"').replace('>MARIO<', '>EVIL<')}`,
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/multiple assertions|Invalid/);
  });

  it('malformed input gets a 403 page, never a crash: no body, bad base64, not XML, DOCTYPE, not a Response', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(sp.urls.acs, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const b64 = (s: string): string => encodeURIComponent(Buffer.from(s).toString('base64'));
    const cases = [
      '',
      'SAMLResponse=%%%',
      `SAMLResponse=${b64('not xml at all')}`,
      `SAMLResponse=${b64('<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>')}`,
      `SAMLResponse=${b64('<a xmlns="urn:x"/>')}`,
    ];
    for (const body of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(403);
      expect(await res.text()).toContain('id="sp-response-rejected"');
    }
    // Still serving.
    expect((await fetch(sp.urls.base)).status).toBe(200);
  });
});

describe('ACS: IdP error statuses end on the SP error page', () => {
  for (const [code, text] of [
    [21, 'Tempo scaduto'],
    [22, 'negato il consenso'],
    [23, 'scaduta o revocata'],
    [25, 'annullata'],
  ] as const)
    it(`ErrorCode nr${code}`, async () => {
      const r = await login(sp, {
        status: { code: 'Responder', subCode: 'AuthnFailed', message: `ErrorCode nr${code}` },
      });
      expect(r.status).toBe(200);
      expect(r.body).toContain(`id="sp-error-code">${code}<`);
      expect(r.body).toContain(text);
      const o = sp.outcomes.at(-1);
      expect(o?.kind).toBe('idp-error');
      if (o?.kind === 'idp-error') {
        expect(o.status.errorCode).toBe(code);
        expect(o.status.code).toBe('urn:oasis:names:tc:SAML:2.0:status:Responder');
        expect(o.status.subCode).toBe('urn:oasis:names:tc:SAML:2.0:status:AuthnFailed');
      }
    });

  it('an unsigned error Response is refused (the SP wants the Response signed)', async () => {
    const r = await login(sp, {
      status: { code: 'Responder', subCode: 'AuthnFailed', message: 'ErrorCode nr22' },
      signResponse: false,
    });
    expect(r.status).toBe(403);
  });
});

describe('defects switch off exactly their check', () => {
  const cases: ReadonlyArray<readonly [SpDefect, Partial<ResponseSpec>]> = [
    ['accept-unsigned-response', { signResponse: false }],
    ['accept-unsigned-assertion', { signAssertion: false }],
    ['skip-in-response-to', { inResponseTo: '_0123456789abcdef0123456789abcdef01234567' }],
    ['skip-issuer', { issuer: 'https://evil.invalid/idp' }],
    ['skip-destination', { destination: 'https://elsewhere.invalid/acs' }],
    ['skip-recipient', { recipient: 'https://elsewhere.invalid/acs' }],
    ['skip-audience', { audience: 'https://elsewhere.invalid/sp' }],
    ['skip-time-window', { now: new Date(Date.now() - 10 * 60_000) }],
    ['skip-authn-context', { classRef: 'https://www.spid.gov.it/SpidL1' }],
    ['skip-attributes', { attributes: { name: 'A' } }],
  ];
  for (const [defect, edit] of cases)
    it(`${defect}: the broken response is accepted only by the defective SP`, async () => {
      const weak = await startServiceProvider(
        { protocol: 'http', defects: [defect] },
        { idpMetadataXml: idp.metadataXml },
      );
      try {
        expect((await login(weak, edit)).status).toBe(303);
        // The same defect does not open anything else: an unsigned Response is still refused.
        expect(
          (await login(weak, { ...edit, signResponse: false, signAssertion: false })).status,
        ).toBe(403);
      } finally {
        await weak.close();
      }
      expect((await login(sp, edit)).status).toBe(403);
    });
});

describe('control API', () => {
  it('lists outcomes with the Bearer token only', async () => {
    expect((await fetch(`${sp.urls.base}/api/outcomes`)).status).toBe(401);
    const res = await fetch(`${sp.urls.base}/api/outcomes`, {
      headers: { authorization: `Bearer ${sp.controlToken}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(sp.outcomes.length);
  });
});
