/**
 * The AuthnRequest of a CIE SP ("Regole tecniche CIE id", chapter Protocolli, public at
 * italia/cie-eid-saml-docs:docs/it/protocolli.rst; SAML 2.0 Core §3.4.1):
 *
 * - `ID` an XML NCName, `Version="2.0"`, `IssueInstant` UTC with milliseconds;
 * - `Destination` = the IdP's SingleSignOnService Location **for the binding used** (standard SAML;
 *   SPID asks for the entityID instead, CIE does not);
 * - `ForceAuthn="true"` always, no `IsPassive`;
 * - the ACS either by `AssertionConsumerServiceURL` + `ProtocolBinding` HTTP-POST or by
 *   `AssertionConsumerServiceIndex`; `AttributeConsumingServiceIndex` of the eIDAS attribute set;
 * - `saml:Issuer` = entityID with `NameQualifier` and `Format` entity;
 * - `NameIDPolicy Format=transient` **without** `AllowCreate`;
 * - one `RequestedAuthnContext` (`exact` or `minimum`) with one SpidLn class.
 *
 * The HTTP-POST form carries an enveloped signature right after the Issuer; the HTTP-Redirect
 * form carries none (the query is signed instead, SAML Bindings §3.4.4.1).
 */
import { BINDING, NS, esc } from './xml.ts';

const ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

export interface AuthnRequestSpec {
  readonly id: string;
  readonly issueInstant: string;
  readonly destination: string;
  readonly issuer: string;
  readonly acs:
    { readonly by: 'url'; readonly url: string } | { readonly by: 'index'; readonly index: number };
  readonly attributeConsumingServiceIndex: number;
  readonly classRef: string;
  readonly comparison: 'exact' | 'minimum';
}

export function buildAuthnRequest(spec: AuthnRequestSpec): string {
  const acs =
    spec.acs.by === 'url'
      ? ` AssertionConsumerServiceURL="${esc(spec.acs.url)}" ProtocolBinding="${BINDING.post}"`
      : ` AssertionConsumerServiceIndex="${spec.acs.index}"`;
  return [
    `<samlp:AuthnRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}"`,
    ` ID="${esc(spec.id)}" Version="2.0" IssueInstant="${esc(spec.issueInstant)}"`,
    ` Destination="${esc(spec.destination)}" ForceAuthn="true"${acs}`,
    ` AttributeConsumingServiceIndex="${spec.attributeConsumingServiceIndex}">`,
    `<saml:Issuer NameQualifier="${esc(spec.issuer)}" Format="${ENTITY}">${esc(spec.issuer)}</saml:Issuer>`,
    `<samlp:NameIDPolicy Format="${TRANSIENT}"/>`,
    `<samlp:RequestedAuthnContext Comparison="${spec.comparison}">`,
    `<saml:AuthnContextClassRef>${esc(spec.classRef)}</saml:AuthnContextClassRef>`,
    '</samlp:RequestedAuthnContext>',
    '</samlp:AuthnRequest>',
  ].join('');
}
