/**
 * `@node-saml/node-saml` configured as a CIE SP. node-saml does the security-critical part of the
 * ACS: one enveloped signature with one Reference to the root's unique ID, only the signed bytes
 * used afterwards (its `getVerifiedXml`), Response *and* Assertion signatures required, the
 * InResponseTo cache, time windows and audience. Its own AuthnRequest does not fit the CIE rules
 * (it always writes `AllowCreate`, which the CIE IdP answers with ErrorCode nr17, and deflates the
 * HTTP-POST form), so the request XML is replaced here while signing stays node-saml's: the
 * Redirect query signature (SAML Bindings §3.4.4.1) and the POST enveloped signature after the
 * Issuer.
 */
import { SAML, type SamlConfig } from '@node-saml/node-saml';
import { signAuthnRequestPost } from '@node-saml/node-saml/lib/saml-post-signing.js';
import { getVerifiedXml, parseDomFromString } from '@node-saml/node-saml/lib/xml.js';
import { buildAuthnRequest, type AuthnRequestSpec } from './authn-request.ts';

/** What the SP remembers about a request it issued (keyed by its ID). */
export interface IssuedRequest {
  readonly id: string;
  readonly issueInstant: string;
  readonly binding: 'redirect' | 'post';
  readonly classRef: string;
  readonly comparison: 'exact' | 'minimum';
}

export interface CieRequestShape {
  readonly acs: AuthnRequestSpec['acs'];
  readonly classRef: string;
  readonly comparison: 'exact' | 'minimum';
  readonly attributeConsumingServiceIndex: number;
  readonly now: () => Date;
  readonly onIssued: (request: IssuedRequest) => void;
}

export class CieSaml extends SAML {
  readonly #binding: 'redirect' | 'post';
  readonly #shape: CieRequestShape;

  constructor(config: SamlConfig, binding: 'redirect' | 'post', shape: CieRequestShape) {
    super(config);
    this.#binding = binding;
    this.#shape = shape;
  }

  protected override async generateAuthorizeRequestAsync(
    _isPassive: boolean,
    isHttpPostBinding: boolean,
  ): Promise<string> {
    const id = this.options.generateUniqueId();
    const issueInstant = this.#shape.now().toISOString();
    if (this.mustValidateInResponseTo(true)) await this.cacheProvider.saveAsync(id, issueInstant);
    const xml = buildAuthnRequest({
      id,
      issueInstant,
      destination: this.options.entryPoint ?? '',
      issuer: this.options.issuer,
      acs: this.#shape.acs,
      attributeConsumingServiceIndex: this.#shape.attributeConsumingServiceIndex,
      classRef: this.#shape.classRef,
      comparison: this.#shape.comparison,
    });
    this.#shape.onIssued({
      id,
      issueInstant,
      binding: this.#binding,
      classRef: this.#shape.classRef,
      comparison: this.#shape.comparison,
    });
    if (!isHttpPostBinding) return xml;
    if (!this.options.privateKey) throw new Error('the SP has no signing key');
    return signAuthnRequestPost(xml, {
      privateKey: this.options.privateKey,
      ...(this.options.publicCert ? { publicCert: this.options.publicCert } : {}),
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
    });
  }

  /**
   * The Response element as verified by its own signature (node-saml's rules), or `null` when the
   * root carries no valid signature. Only this output may be trusted for Response-level fields.
   */
  async verifiedResponseXml(responseXml: string): Promise<string | null> {
    const dom = await parseDomFromString(responseXml);
    const root = dom.documentElement;
    if (!root) return null;
    try {
      return getVerifiedXml(responseXml, root, await this.getKeyInfosAsPem());
    } catch {
      return null;
    }
  }
}
