/**
 * ContactPerson rules of CIE SP metadata (Regole tecniche CIE id, "Metadata SP" → "Informazioni di
 * censimento e contatto"): one `administrative` contact (plus a `technical` one for an external
 * technical partner), each with `md:Extensions` in the CIE namespace
 * `https://www.cartaidentita.interno.gov.it/saml-extensions`: exactly one of `cie:Public` /
 * `cie:Private`; `cie:Municipality` always; public → `cie:IPACode` (administrative contact);
 * private → `cie:FiscalCode` or `cie:VATNumber`, and `cie:NACE2Code` (repeatable); every other
 * element at most once and non-empty; `EmailAddress` mandatory; `Company` = OrganizationName.
 */
import { attr, childElements, children, NS, textOf } from '../saml/xml.ts';
import type { Findings } from './sp-rules.ts';

const SPID_NS = 'https://spid.gov.it/saml-extensions';
const SINGLE = [
  'IPACode',
  'IPACategory',
  'VATNumber',
  'FiscalCode',
  'Municipality',
  'Province',
  'Country',
];

function cieElements(ext: Element | undefined, name: string): Element[] {
  return ext ? children(ext, NS.cie, name) : [];
}

function checkOne(cp: Element, type: string, orgName: string | undefined, f: Findings): void {
  const rule = `MD-CONTACT-${type.toUpperCase()}`;
  const ext = children(cp, NS.md, 'Extensions')[0];
  if (!ext) f.error(rule, `${type} ContactPerson has no Extensions`);
  const spidHere = ext
    ? childElements(ext)
        .filter((e) => e.namespaceURI === SPID_NS)
        .map((e) => e.localName)
    : [];
  const hint =
    spidHere.length > 0
      ? ` (found spid:${spidHere.join(', spid:')}: CIE requires the cie: namespace)`
      : '';
  const pub = cieElements(ext, 'Public').length;
  const priv = cieElements(ext, 'Private').length;
  if (pub + priv !== 1)
    f.error(
      rule,
      `${type} contact: exactly one of cie:Public / cie:Private required, found ${pub + priv}${hint}`,
    );
  for (const name of [...SINGLE, 'NACE2Code']) {
    const list = cieElements(ext, name);
    if (name !== 'NACE2Code' && list.length > 1)
      f.error(rule, `${type} contact: cie:${name} appears ${list.length} times`);
    if (list.some((e) => !textOf(e))) f.error(rule, `${type} contact: cie:${name} is empty`);
  }
  if (cieElements(ext, 'Municipality').length === 0)
    f.error(rule, `${type} contact: cie:Municipality is mandatory${hint}`);
  if (
    pub === 1 &&
    priv === 0 &&
    type === 'administrative' &&
    cieElements(ext, 'IPACode').length === 0
  )
    f.error(rule, `public administrative contact: cie:IPACode is mandatory${hint}`);
  if (priv === 1 && pub === 0) {
    if (cieElements(ext, 'FiscalCode').length + cieElements(ext, 'VATNumber').length === 0)
      f.error(rule, `private ${type} contact: cie:FiscalCode or cie:VATNumber is mandatory${hint}`);
    if (cieElements(ext, 'NACE2Code').length === 0)
      f.error(rule, `private ${type} contact: cie:NACE2Code is mandatory`);
    if (cieElements(ext, 'IPACode').length > 0)
      f.error(rule, `private ${type} contact: cie:IPACode must not be present`);
  }
  if (!textOf(children(cp, NS.md, 'EmailAddress')[0]))
    f.error(rule, `${type} contact: EmailAddress is mandatory`);
  const company = textOf(children(cp, NS.md, 'Company')[0]);
  if (!company) f.warn(rule, `${type} contact: no Company`);
  else if (type === 'administrative' && orgName && company !== orgName)
    f.warn(
      rule,
      `administrative contact: Company '${company}' differs from OrganizationName '${orgName}'`,
    );
}

export function checkContacts(root: Element, org: Element | undefined, f: Findings): void {
  const cps = children(root, NS.md, 'ContactPerson');
  const orgNames = org ? children(org, NS.md, 'OrganizationName') : [];
  const orgName = textOf(orgNames.find((e) => e.getAttribute('xml:lang') === 'it') ?? orgNames[0]);
  const admin = cps.filter((c) => attr(c, 'contactType') === 'administrative');
  const tech = cps.filter((c) => attr(c, 'contactType') === 'technical');
  if (admin.length !== 1)
    f.error(
      'MD-CONTACT',
      `${admin.length} ContactPerson contactType="administrative", exactly 1 required`,
    );
  if (tech.length > 1) f.error('MD-CONTACT', `${tech.length} technical contacts, at most 1`);
  for (const c of cps) {
    const t = attr(c, 'contactType') ?? '(none)';
    if (t !== 'administrative' && t !== 'technical')
      f.warn(
        'MD-CONTACT',
        `ContactPerson contactType="${t}" is not used by CIE (administrative, technical)`,
      );
  }
  for (const c of admin) checkOne(c, 'administrative', orgName, f);
  for (const c of tech) checkOne(c, 'technical', orgName, f);
}
