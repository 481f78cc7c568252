/**
 * The response cases are what they say, checked without a browser by an independent SP library:
 * `@node-saml/node-saml` (Response and Assertion signatures required, InResponseTo checked)
 * accepts the correct case, refuses every signature and wrapping case, and sees the CIE error
 * codes; the wrapping cases keep the genuine signature and add the evil citizen; known findings
 * name real cases.
 */
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { describe, expect, it } from 'vitest';
import { spSigningMaterial } from '../../sp/keys.ts';
import { standInIdp } from '../../sp/stand-in/stand-in-idp.ts';
import { SIGNATURE_CASES, WRAPPING_CASES } from '../testing/signature-cases.ts';
import { craft, type CraftContext } from './craft.ts';
import { SP_CASES, spCase } from './cases.ts';
import { KNOWN_FINDINGS } from './findings.ts';
import { EVIL } from './xsw.ts';

const idp = standInIdp('sp-cases-test');
const SP = 'https://sp.example.invalid/metadata';
const ACS = 'https://sp.example.invalid/acs';
const REQUEST = '_0123456789abcdef0123456789abcdef01234567';

function context(): CraftContext {
  return {
    idp,
    other: spSigningMaterial('sp-cases-attacker', 'attacker.invalid'),
    request: { id: REQUEST, acsUrl: ACS },
    spEntityId: SP,
    now: new Date(),
  };
}

async function nodeSaml(xml: string): Promise<unknown> {
  const cache = new Map<string, string>([[REQUEST, new Date().toISOString()]]);
  const saml = new SAML({
    callbackUrl: ACS,
    issuer: SP,
    audience: SP,
    idpCert: idp.signing.certPem,
    idpIssuer: idp.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: ValidateInResponseTo.always,
    cacheProvider: {
      saveAsync: async (k: string, v: string) => {
        cache.set(k, v);
        return { createdAt: Date.now(), value: v };
      },
      getAsync: async (k: string) => cache.get(k) ?? null,
      removeAsync: async (k: string | null) => (k !== null && cache.delete(k) ? k : null),
    },
    acceptedClockSkewMs: 5000,
  });
  return saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') });
}

const built = (id: string): string => {
  const c = spCase(id);
  if (!c) throw new Error(id);
  return craft(c.plan, context());
};

describe('SP response cases', () => {
  it('55 cases with unique ids, each with a reference and an expectation', () => {
    expect(SP_CASES.length).toBe(55);
    expect(new Set(SP_CASES.map((c) => c.id)).size).toBe(SP_CASES.length);
    for (const c of SP_CASES) expect(c.refs.length, c.id).toBeGreaterThan(0);
    expect(SP_CASES.filter((c) => c.expect === 'session').map((c) => c.id)).toEqual([
      'correct',
      'response-issuer-format-entity',
    ]);
  });

  it('the correct case passes node-saml with the holder’s attributes', async () => {
    const r = (await nodeSaml(built('correct'))) as { profile: Record<string, unknown> };
    expect(r.profile['fiscalNumber']).toBe('TINIT-RSSMRA80A01H501U');
  });

  it.each([...SIGNATURE_CASES, 'in-response-to-other', 'audience-other', 'conditions-expired'])(
    'node-saml refuses %s',
    async (id) => {
      await expect(nodeSaml(built(id))).rejects.toThrow();
    },
  );

  it('wrapping keeps the IdP’s genuine signature and adds the evil citizen', () => {
    for (const id of WRAPPING_CASES) {
      const x = built(id);
      expect(x, id).toContain(EVIL.fiscalNumber);
      expect(x, id).toContain('TINIT-RSSMRA80A01H501U');
      expect((x.match(/<ds:SignatureValue>/g) ?? []).length, id).toBeGreaterThan(0);
    }
  });

  it('the error cases are signed Responses with the CIE status and ErrorCode nrNN, no Assertion', () => {
    for (const code of [21, 22, 23, 25]) {
      const x = built(`error-${code}`);
      expect(x).toContain(`<samlp:StatusMessage>ErrorCode nr${code}</samlp:StatusMessage>`);
      expect(x).toContain('urn:oasis:names:tc:SAML:2.0:status:AuthnFailed');
      expect(x).not.toContain('<saml:Assertion');
      expect(x).toContain('<ds:SignatureValue>');
    }
  });

  it('edits before signing keep a valid signature (only the SP’s own checks can refuse them)', () => {
    const x = built('version-not-2');
    expect(x).toMatch(/<samlp:Response\b[^>]*Version="1.0"/);
    expect((x.match(/<ds:Signature\b/g) ?? []).length).toBe(2);
  });

  it('the signature case lists name existing cases', () => {
    for (const id of SIGNATURE_CASES) expect(spCase(id), id).toBeDefined();
  });

  it('known findings name existing cases', () => {
    for (const f of KNOWN_FINDINGS) expect(spCase(f.case), `${f.sp} ${f.case}`).toBeDefined();
  });
});
