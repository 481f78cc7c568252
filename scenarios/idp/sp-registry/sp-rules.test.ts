/**
 * The CIE SP metadata rules (Regole tecniche CIE id, "Metadata SP"): a valid public and a valid
 * private SP are accepted with no finding; each rule broken on its own gives exactly the rule id
 * and a message naming what is wrong; refused metadata is never registered.
 */
import { describe, expect, it } from 'vitest';
import { testSp } from '../testing/test-sp.ts';
import { checkSpMetadata, formatReport, type Finding } from './sp-rules.ts';
import { SpRegistry } from './registry.ts';
import { signRootElement } from '../saml/sign.ts';

const sp = testSp();
const now = new Date('2026-01-15T00:00:00Z');

function errors(xml: string): Finding[] {
  return checkSpMetadata(xml, now).report.findings.filter((f) => f.severity === 'error');
}

function only(xml: string, rule: string, message: RegExp): void {
  const e = errors(xml);
  expect(
    e.map((f) => f.rule),
    JSON.stringify(e),
  ).toEqual([rule]);
  expect(e[0]?.message).toMatch(message);
}

describe('CIE SP metadata rules', () => {
  it('a public and a private SP with the published layout are accepted without findings', () => {
    for (const kind of ['public', 'private'] as const) {
      const r = checkSpMetadata(sp.metadata({ kind }), now);
      expect(r.report).toMatchObject({ ok: true, findings: [], entityId: sp.entityId });
      expect(r.metadata?.assertionConsumerServices[0]?.location).toBe(sp.acsUrl);
    }
  });

  it('signature: missing, or the metadata changed after signing → MD-SIGNATURE', () => {
    only(sp.metadata({ sign: false }), 'MD-SIGNATURE', /no-signature/);
    only(
      sp
        .metadata()
        .replace(
          'Comune di Prova (TEST)</md:OrganizationDisplayName>',
          'Comune Falso</md:OrganizationDisplayName>',
        ),
      'MD-SIGNATURE',
      /bad-signature/,
    );
  });

  it('SPSSODescriptor flags: AuthnRequestsSigned and WantAssertionsSigned must be "true"', () => {
    only(
      sp.metadata({ authnRequestsSigned: 'false' }),
      'MD-AUTHN-REQUESTS-SIGNED',
      /'false', must be "true"/,
    );
    only(sp.metadata({ authnRequestsSigned: null }), 'MD-AUTHN-REQUESTS-SIGNED', /absent/);
    only(
      sp.metadata({ wantAssertionsSigned: 'false' }),
      'MD-WANT-ASSERTIONS-SIGNED',
      /must be "true"/,
    );
  });

  it('AttributeConsumingService: only the four eIDAS attributes, and all four', () => {
    only(
      sp.metadata({ attributes: ['name', 'familyName', 'dateOfBirth', 'fiscalNumber', 'email'] }),
      'MD-ATCS-ATTRIBUTES',
      /requests email/,
    );
    only(
      sp.metadata({ attributes: ['name', 'familyName'] }),
      'MD-ATCS-MINIMUM',
      /lacks dateOfBirth, fiscalNumber/,
    );
  });

  it('ContactPerson extensions: Municipality, IPACode (public), NACE2Code and FiscalCode/VATNumber (private), one of Public/Private, each once', () => {
    only(
      sp.metadata({ contactExtensions: '<cie:Public/><cie:IPACode>c_h501</cie:IPACode>' }),
      'MD-CONTACT-ADMINISTRATIVE',
      /cie:Municipality is mandatory/,
    );
    only(
      sp.metadata({ contactExtensions: '<cie:Public/><cie:Municipality>H501</cie:Municipality>' }),
      'MD-CONTACT-ADMINISTRATIVE',
      /cie:IPACode is mandatory/,
    );
    only(
      sp.metadata({
        contactExtensions:
          '<cie:Private/><cie:FiscalCode>12345678901</cie:FiscalCode><cie:Municipality>H501</cie:Municipality>',
      }),
      'MD-CONTACT-ADMINISTRATIVE',
      /cie:NACE2Code is mandatory/,
    );
    only(
      sp.metadata({
        contactExtensions:
          '<cie:Private/><cie:NACE2Code>62.01</cie:NACE2Code><cie:Municipality>H501</cie:Municipality>',
      }),
      'MD-CONTACT-ADMINISTRATIVE',
      /FiscalCode or cie:VATNumber/,
    );
    only(
      sp.metadata({
        contactExtensions:
          '<cie:Public/><cie:Private/><cie:IPACode>x</cie:IPACode><cie:Municipality>H501</cie:Municipality>',
      }),
      'MD-CONTACT-ADMINISTRATIVE',
      /exactly one of cie:Public \/ cie:Private/,
    );
    only(
      sp.metadata({
        contactExtensions:
          '<cie:Public/><cie:IPACode>x</cie:IPACode><cie:Municipality>H501</cie:Municipality><cie:Municipality>F205</cie:Municipality>',
      }),
      'MD-CONTACT-ADMINISTRATIVE',
      /Municipality appears 2 times/,
    );
    const spidStyle = sp.metadata({
      edit: (x) =>
        x.replace(
          '<md:Extensions><cie:Public/><cie:IPACode>c_h501</cie:IPACode><cie:Municipality>H501</cie:Municipality><cie:Province>RM</cie:Province></md:Extensions>',
          '<md:Extensions xmlns:spid="https://spid.gov.it/saml-extensions"><spid:Public/><spid:IPACode>c_h501</spid:IPACode><cie:Municipality>H501</cie:Municipality></md:Extensions>',
        ),
    });
    const e = errors(spidStyle);
    expect(e.map((f) => f.rule)).toEqual(['MD-CONTACT-ADMINISTRATIVE']);
    expect(e[0]?.message).toContain(
      'found spid:Public, spid:IPACode: CIE requires the cie: namespace',
    );
  });

  it('contacts: no administrative contact, no EmailAddress', () => {
    only(
      sp.metadata({
        edit: (x) => x.replace('contactType="administrative"', 'contactType="technical"'),
      }),
      'MD-CONTACT',
      /0 ContactPerson contactType="administrative"/,
    );
    only(
      sp.metadata({ edit: (x) => x.replace(/<md:EmailAddress>[^<]*<\/md:EmailAddress>/, '') }),
      'MD-CONTACT-ADMINISTRATIVE',
      /EmailAddress is mandatory/,
    );
  });

  it('endpoints: ACS not https, duplicate index, two defaults, no HTTP-POST ACS; no HTTP-Redirect SLO; NameIDFormat other than transient', () => {
    only(sp.metadata({ acsUrl: 'http://sp.example/acs' }), 'MD-ACS', /is not an https URL/);
    const loopback = checkSpMetadata(
      sp.metadata({ acsUrl: 'http://127.0.0.1:8543/acs' }),
      now,
    ).report;
    expect(loopback.ok).toBe(true);
    expect(loopback.findings).toEqual([
      {
        rule: 'MD-ACS',
        severity: 'warning',
        message: expect.stringContaining('plain http on loopback'),
      },
    ]);
    only(
      sp.metadata({
        extraAcs: [
          {
            index: 0,
            binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
            location: 'https://sp.example/acs2',
          },
        ],
      }),
      'MD-ACS',
      /index 0 is used twice/,
    );
    only(
      sp.metadata({
        edit: (x) =>
          x.replace(
            '<md:AssertionConsumerService ',
            '<md:AssertionConsumerService isDefault="true" Location="https://sp.example/a2" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" index="3"/><md:AssertionConsumerService ',
          ),
      }),
      'MD-ACS',
      /2 AssertionConsumerService with isDefault/,
    );
    only(
      sp.metadata({
        edit: (x) =>
          x.replace(
            /(<md:AssertionConsumerService Binding=")[^"]+/,
            '$1urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
          ),
      }),
      'MD-ACS',
      /no HTTP-POST AssertionConsumerService/,
    );
    only(
      sp.metadata({
        edit: (x) =>
          x.replace(
            '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"',
            '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP"',
          ),
      }),
      'MD-SLO',
      /HTTP-Redirect/,
    );
    only(
      sp.metadata({
        edit: (x) =>
          x.replace(
            'nameid-format:transient</md:NameIDFormat>',
            'nameid-format:persistent</md:NameIDFormat>',
          ),
      }),
      'MD-NAMEID-FORMAT',
      /must be urn:oasis:names:tc:SAML:2.0:nameid-format:transient/,
    );
  });

  it('structure: EntitiesDescriptor root, no Organization, a DOCTYPE', () => {
    expect(
      errors(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>`).map(
        (f) => f.rule,
      ),
    ).toEqual(['MD-ROOT']);
    only(
      sp.metadata({ edit: (x) => x.replace(/<md:Organization>[\s\S]*<\/md:Organization>/, '') }),
      'MD-ORGANIZATION',
      /no Organization/,
    );
    expect(errors(`<!DOCTYPE x []>${sp.metadata()}`).map((f) => f.rule)).toEqual(['MD-XML']);
  });

  it('the report reads one line per finding; refused metadata is not registered, accepted metadata replaces the previous one', () => {
    const bad = checkSpMetadata(
      sp.metadata({ wantAssertionsSigned: 'false', attributes: ['name'] }),
      now,
    ).report;
    const text = formatReport(bad);
    expect(text.split('\n')[0]).toBe(`${sp.entityId}: REFUSED`);
    expect(text).toContain('ERROR   MD-WANT-ASSERTIONS-SIGNED');
    expect(text).toContain('ERROR   MD-ATCS-MINIMUM');
    const reg = new SpRegistry(() => now);
    expect(reg.add(sp.metadata({ wantAssertionsSigned: 'false' })).registered).toBe(false);
    expect(reg.get(sp.entityId)).toBeUndefined();
    expect(reg.add(sp.metadata({ displayName: 'Primo' })).registered).toBe(true);
    expect(reg.add(sp.metadata({ displayName: 'Secondo' })).registered).toBe(true);
    expect(reg.get(sp.entityId)?.displayName).toBe('Secondo');
    expect(reg.list()).toHaveLength(1);
  });

  it('the model is read from the signed bytes only', () => {
    const signed = sp.metadata();
    // An unsigned duplicate root-level ID elsewhere would make the signature ambiguous: refused.
    const wrapped = signed.replace(
      '</md:EntityDescriptor>',
      '<md:Extensions><x ID="_sp-metadata"/></md:Extensions></md:EntityDescriptor>',
    );
    expect(errors(wrapped).map((f) => f.rule)).toContain('MD-SIGNATURE');
    expect(signRootElement).toBeTypeOf('function');
  });
});
