/**
 * The reference SP's metadata against the CIE metadata rules (federation chapter of the CIE SAML
 * technical rules; element order of the CIE metadata schema): signature first and valid over the
 * whole EntityDescriptor, SPSSODescriptor flags, the eIDAS attribute set, Organization, the `cie:`
 * ContactPerson extensions for a public and a private SP, and option validation.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { parseSpOptions, SpConfigError } from './config.ts';
import { spSigningMaterial } from './keys.ts';
import { signedSpMetadata } from './metadata.ts';
import { NS, attr, child, children, parseXml, text } from './xml.ts';

const signing = spSigningMaterial('metadata-test', 'sp.example.invalid');
const endpoints = {
  entityId: 'https://sp.example.invalid/metadata',
  acs: 'https://sp.example.invalid/acs',
  slo: 'https://sp.example.invalid/logout',
};

function elementNames(parent: Element): string[] {
  const out: string[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling)
    if (n.nodeType === 1) out.push(`${(n as Element).prefix}:${(n as Element).localName}`);
  return out;
}

describe('SP metadata (public SP, defaults)', () => {
  const xml = signedSpMetadata(parseSpOptions({}), endpoints, signing);
  const root = parseXml(xml, 'metadata').documentElement!;

  it('is one EntityDescriptor whose first child is a valid enveloped signature over it', () => {
    expect(root.localName).toBe('EntityDescriptor');
    expect(attr(root, 'entityID')).toBe(endpoints.entityId);
    expect(elementNames(root)).toEqual([
      'ds:Signature',
      'md:SPSSODescriptor',
      'md:Organization',
      'md:ContactPerson',
    ]);
    const sig = children(root, NS.ds, 'Signature')[0]!;
    const v = new SignedXml({ publicCert: signing.certPem });
    v.loadSignature(sig.toString());
    expect(v.checkSignature(xml)).toBe(true);
    expect(v.getReferences()[0]?.uri).toBe(`#${attr(root, 'ID')}`);
    expect(sig.toString()).toContain('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    // Altered after signing: the signature no longer holds.
    const v2 = new SignedXml({ publicCert: signing.certPem });
    v2.loadSignature(sig.toString());
    expect(v2.checkSignature(xml.replace('>ciebench<', '>other<'))).toBe(false);
  });

  it('declares signed requests, signed assertions, Redirect SLO, transient, one POST ACS and the eIDAS set', () => {
    const spsso = child(root, NS.md, 'SPSSODescriptor')!;
    expect(attr(spsso, 'protocolSupportEnumeration')).toBe(NS.samlp);
    expect(attr(spsso, 'AuthnRequestsSigned')).toBe('true');
    expect(attr(spsso, 'WantAssertionsSigned')).toBe('true');
    expect(elementNames(spsso)).toEqual([
      'md:KeyDescriptor',
      'md:SingleLogoutService',
      'md:NameIDFormat',
      'md:AssertionConsumerService',
      'md:AttributeConsumingService',
    ]);
    const kd = child(spsso, NS.md, 'KeyDescriptor')!;
    expect(attr(kd, 'use')).toBe('signing');
    const certB64 = text(
      child(child(child(kd, NS.ds, 'KeyInfo')!, NS.ds, 'X509Data')!, NS.ds, 'X509Certificate'),
    );
    expect(new X509Certificate(Buffer.from(certB64 ?? '', 'base64')).fingerprint256).toBe(
      new X509Certificate(signing.certPem).fingerprint256,
    );
    const slo = child(spsso, NS.md, 'SingleLogoutService')!;
    expect(attr(slo, 'Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect');
    expect(attr(slo, 'Location')).toBe(endpoints.slo);
    expect(text(child(spsso, NS.md, 'NameIDFormat'))).toBe(
      'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    );
    const acs = child(spsso, NS.md, 'AssertionConsumerService')!;
    expect([
      attr(acs, 'Binding'),
      attr(acs, 'Location'),
      attr(acs, 'index'),
      attr(acs, 'isDefault'),
    ]).toEqual(['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', endpoints.acs, '0', 'true']);
    const atcs = child(spsso, NS.md, 'AttributeConsumingService')!;
    expect(attr(atcs, 'index')).toBe('0');
    const name = child(atcs, NS.md, 'ServiceName')!;
    expect(name.getAttributeNS(NS.xml, 'lang')).toBe('');
    expect(text(name)).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(children(atcs, NS.md, 'RequestedAttribute').map((a) => attr(a, 'Name'))).toEqual([
      'name',
      'familyName',
      'dateOfBirth',
      'fiscalNumber',
    ]);
  });

  it('has an Organization and an administrative contact with cie:Public, IPACode, Municipality', () => {
    const org = child(root, NS.md, 'Organization')!;
    expect(elementNames(org)).toEqual([
      'md:OrganizationName',
      'md:OrganizationDisplayName',
      'md:OrganizationURL',
    ]);
    const contact = child(root, NS.md, 'ContactPerson')!;
    expect(attr(contact, 'contactType')).toBe('administrative');
    expect(elementNames(contact)).toEqual(['md:Extensions', 'md:Company', 'md:EmailAddress']);
    expect(elementNames(child(contact, NS.md, 'Extensions')!)).toEqual([
      'cie:Public',
      'cie:IPACode',
      'cie:Municipality',
      'cie:Province',
    ]);
    expect(child(contact, NS.md, 'Extensions')!.firstChild).toBeTruthy();
    expect(text(child(contact, NS.md, 'Company'))).toBe(
      text(child(org, NS.md, 'OrganizationName')),
    );
    for (const e of children(child(contact, NS.md, 'Extensions')!, NS.cie, 'IPACode'))
      expect(e.namespaceURI).toBe('https://www.cartaidentita.interno.gov.it/saml-extensions');
  });
});

describe('SP metadata (private SP with a technical partner)', () => {
  const options = parseSpOptions({
    administrativeContact: {
      entity: {
        kind: 'private',
        vatNumber: 'IT12345678901',
        fiscalCode: '12345678901',
        nace2Codes: ['62.01', '63.11'],
      },
      municipality: 'F205',
      email: 'privacy@azienda.invalid',
      telephone: '+390212345678',
    },
    technicalContact: {
      entity: {
        kind: 'private',
        vatNumber: 'IT10987654321',
        fiscalCode: '10987654321',
        nace2Codes: ['62.02'],
      },
      municipality: 'H501',
      company: 'Partner Tecnologico S.r.l.',
      email: 'tech@partner.invalid',
    },
  });
  const root = parseXml(signedSpMetadata(options, endpoints, signing), 'metadata').documentElement!;

  it('lists cie:Private, VATNumber, FiscalCode, each NACE2Code, then Municipality, in two ContactPersons', () => {
    const contacts = children(root, NS.md, 'ContactPerson');
    expect(contacts.map((c) => attr(c, 'contactType'))).toEqual(['administrative', 'technical']);
    expect(elementNames(child(contacts[0]!, NS.md, 'Extensions')!)).toEqual([
      'cie:Private',
      'cie:VATNumber',
      'cie:FiscalCode',
      'cie:NACE2Code',
      'cie:NACE2Code',
      'cie:Municipality',
    ]);
    expect(elementNames(contacts[0]!)).toEqual([
      'md:Extensions',
      'md:Company',
      'md:EmailAddress',
      'md:TelephoneNumber',
    ]);
    expect(text(child(contacts[1]!, NS.md, 'Company'))).toBe('Partner Tecnologico S.r.l.');
  });
});

describe('SP options', () => {
  it('refuse bad identities with every problem listed', () => {
    let err: unknown;
    try {
      parseSpOptions({
        administrativeContact: {
          entity: { kind: 'private', fiscalCode: 'X', nace2Codes: [], vatNumber: 'not a vat' },
          municipality: 'H501',
          email: 'not-an-email',
        },
        port: 70000,
        defects: ['no-such-defect' as never],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpConfigError);
    const msg = (err as Error).message;
    for (const path of ['nace2Codes', 'vatNumber', 'email', 'port', 'defects'])
      expect(msg).toContain(path);
  });
});
