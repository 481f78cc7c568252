/**
 * `@node-saml/node-saml` configured as a CIE SP. node-saml does the security-critical part of the
 * ACS: one enveloped signature with one Reference to the root's unique ID, only the signed bytes
 * used afterwards (its `getVerifiedXml`), Response *and* Assertion signatures required, the
 * InResponseTo cache, time windows and audience. Its own AuthnRequest does not fit the CIE rules
 * (it always writes `AllowCreate`, which the CIE IdP answers with ErrorCode nr17, and deflates the
 * HTTP-POST form), so the request XML is replaced here while signing stays node-saml's: the
 * Redirect query signature (SAML Bindings §3.4.4.1; node-saml's steps with the key parsed once) and
 * the POST enveloped signature after the Issuer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { stringify, type ParsedUrlQueryInput } from 'node:querystring';
import { SAML, type SamlConfig } from '@node-saml/node-saml';
import { signAuthnRequestPost } from '@node-saml/node-saml/lib/saml-post-signing.js';
import { getVerifiedXml, parseDomFromString } from '@node-saml/node-saml/lib/xml.js';
import { getSigner, getSigningAlgorithm } from '@node-saml/node-saml/lib/algorithms.js';
import { keyInfoToPem } from '@node-saml/node-saml/lib/crypto.js';
import { buildAuthnRequest, type AuthnRequestSpec } from './authn-request.ts';
import { installXpathFastPaths } from './xpath-fast-paths.ts';
import { installFastClone } from './xmldom-clone.ts';
import { installVerifyKeyCache } from './xml-crypto-keys.ts';

// Same answers, a fraction of the CPU: xml-crypto's reference and signature look-ups by direct DOM
// walks (xpath-fast-paths.ts), xmldom's cloneNode without its prototype-walking copy loop
// (xmldom-clone.ts), the IdP certificate parsed once per PEM (xml-crypto-keys.ts).
installXpathFastPaths();
installFastClone();
installVerifyKeyCache();

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

/** What node-saml verified during one `validatePostResponseAsync` (its signed XML, if it got one). */
interface VerifiedSlot {
  signedXml?: string;
}

const verifiedSlot = new AsyncLocalStorage<VerifiedSlot>();

/** Local name of the root of canonical XML (exc-c14n output starts with the element's tag). */
function rootLocalName(c14n: string): string | undefined {
  return /^<(?:[^\s:>/]+:)?([^\s:>/]+)/.exec(c14n)?.[1];
}

/** node-saml's result plus the Response as its signature verified it. */
export type VerifiedPostResponse = Awaited<ReturnType<SAML['validatePostResponseAsync']>> & {
  /**
   * The Response element as verified by its own signature, or `null` when the Response carried no
   * valid signature (the Assertion's then decided): what {@link CieSaml.verifiedResponseXml}
   * returns for the same XML, without checking the signature a second time.
   */
  readonly verifiedResponseXml: string | null;
};

export class CieSaml extends SAML {
  readonly #binding: 'redirect' | 'post';
  readonly #shape: CieRequestShape;
  #signingKey: KeyObject | undefined;

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
   * `validatePostResponseAsync`, also returning the Response XML node-saml verified. node-saml
   * checks the Response's signature with `getVerifiedXml(xml, root, keys)` and hands the verified
   * XML — the Response's when its signature held, else the Assertion's — to `getSignedAssertion`;
   * it is picked up there (per call, through AsyncLocalStorage, as ACS posts interleave). Same
   * function, same inputs as {@link verifiedResponseXml}: the same string, one signature check
   * (reference look-up, canonicalisation, digest) fewer per login.
   */
  async validatePostResponseVerified(
    container: Record<string, string>,
  ): Promise<VerifiedPostResponse> {
    const slot: VerifiedSlot = {};
    const result = await verifiedSlot.run(slot, () => this.validatePostResponseAsync(container));
    const signed = slot.signedXml;
    return {
      ...result,
      verifiedResponseXml:
        signed !== undefined && rootLocalName(signed) === 'Response' ? signed : null,
    };
  }

  /**
   * node-saml's Redirect query signature (SAML Bindings §3.4.4.1: SAMLRequest, SAMLResponse,
   * RelayState, SigAlg in that order, node-saml's `querystring` encoding, its signer and SigAlg
   * URI) with the private key parsed once: node-saml hands the PEM text to `sign`, which parses it
   * on every request and then signs at about three times the cost. RSA PKCS#1 v1.5 signatures
   * are deterministic, so the Signature is the same (cie-saml.test.ts compares it with node-saml's).
   */
  protected override signRequest(samlMessage: ParsedUrlQueryInput): void {
    const pk = this.options.privateKey;
    if (!pk) return super.signRequest(samlMessage);
    this.#signingKey ??= createPrivateKey(keyInfoToPem(pk, 'PRIVATE KEY', 'privateKey'));
    samlMessage['SigAlg'] = getSigningAlgorithm(this.options.signatureAlgorithm);
    const toSign: ParsedUrlQueryInput = {};
    for (const k of ['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg'])
      if (samlMessage[k]) toSign[k] = samlMessage[k];
    const signer = getSigner(this.options.signatureAlgorithm);
    signer.update(stringify(toSign));
    samlMessage['Signature'] = signer.sign(this.#signingKey, 'base64');
  }

  protected override getSignedAssertion(signedXml: string): Promise<string | null> {
    const slot = verifiedSlot.getStore();
    if (slot) slot.signedXml = signedXml;
    return super.getSignedAssertion(signedXml);
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
