/**
 * The Assertion Consumer Service (HTTP-POST binding, SAML Bindings §3.5): validate the form with
 * zod, refuse anything that is not a well-formed samlp:Response without a DOCTYPE, let node-saml
 * verify signatures, InResponseTo, time windows and audience, then run the CIE checks on the
 * verified XML only. Every POST ends in exactly one recorded {@link AcsOutcome}.
 */
import { randomBytes } from 'node:crypto';
import { SamlStatusError } from '@node-saml/node-saml';
import { z } from 'zod';
import { checkAssertion, checkResponse, readStatus, type AcsContext } from './acs-checks.ts';
import type { CieSaml } from './cie-saml.ts';
import type { SpOptions } from './config.ts';
import type { AcsOutcome, SpState } from './state.ts';
import { NS, parseXml, attr } from './xml.ts';

/** HTTP-POST form of the ACS; RelayState ≤ 80 bytes (SAML Bindings §3.5.3). */
const acsForm = z.object({
  SAMLResponse: z
    .string()
    .min(1)
    .max(2_000_000)
    .regex(/^[A-Za-z0-9+/=\r\n]+$/, 'not base64'),
  RelayState: z.string().max(80).optional(),
});

export interface AcsDeps {
  readonly saml: CieSaml;
  readonly state: SpState;
  readonly options: SpOptions;
  readonly acsUrl: string;
  readonly idpEntityId: string;
  readonly now: () => Date;
}

function rejected(deps: AcsDeps, requestId: string | undefined, problems: string[]): AcsOutcome {
  return { kind: 'rejected', at: deps.now().toISOString(), requestId, problems };
}

/** Handles one POST to the ACS; the outcome is also recorded in `deps.state`. */
export async function consumeResponse(deps: AcsDeps, body: unknown): Promise<AcsOutcome> {
  const outcome = await evaluate(deps, body);
  deps.state.record(outcome);
  return outcome;
}

async function evaluate(deps: AcsDeps, body: unknown): Promise<AcsOutcome> {
  const form = acsForm.safeParse(body);
  if (!form.success)
    return rejected(deps, undefined, [
      `form: ${form.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    ]);
  const xml = Buffer.from(form.data.SAMLResponse, 'base64').toString('utf8');
  let claimedRequestId: string | undefined;
  try {
    const root = parseXml(xml, 'SAMLResponse').documentElement;
    if (!root || root.namespaceURI !== NS.samlp || root.localName !== 'Response')
      return rejected(deps, undefined, ['form: SAMLResponse is not a samlp:Response']);
    claimedRequestId = attr(root, 'InResponseTo');
  } catch (e) {
    return rejected(deps, undefined, [(e as Error).message]);
  }
  // Only context for the checks below: node-saml decides whether the ID is one we issued.
  const request = claimedRequestId ? deps.state.requests.get(claimedRequestId) : undefined;
  const ctx: AcsContext = {
    acsUrl: deps.acsUrl,
    idpEntityId: deps.idpEntityId,
    request,
    now: deps.now(),
    skewMs: deps.options.clockSkewSeconds * 1000,
    defects: deps.options.defects,
  };
  const relayProblem = checkRelayState(deps, form.data.RelayState);
  let assertionXml: string;
  let verifiedResponse: string | null;
  try {
    const { profile, verifiedResponseXml } = await deps.saml.validatePostResponseVerified({
      SAMLResponse: form.data.SAMLResponse,
    });
    if (!profile) return rejected(deps, claimedRequestId, ['saml: no profile in the response']);
    assertionXml = String(profile.getAssertionXml?.() ?? '');
    verifiedResponse = verifiedResponseXml;
  } catch (e) {
    if (e instanceof SamlStatusError) {
      const verified = await deps.saml.verifiedResponseXml(xml);
      if (claimedRequestId) deps.state.requests.delete(claimedRequestId);
      return {
        kind: 'idp-error',
        at: deps.now().toISOString(),
        requestId: claimedRequestId,
        status: readStatus(verified ?? xml),
      };
    }
    return rejected(deps, claimedRequestId, [`saml: ${(e as Error).message}`]);
  }
  const responseXml =
    verifiedResponse ?? (deps.options.defects.includes('accept-unsigned-response') ? xml : null);
  if (!responseXml)
    return rejected(deps, claimedRequestId, ['saml: Response signature not verified']);
  const problems = [...checkResponse(responseXml, ctx)];
  if (relayProblem) problems.push(relayProblem);
  const assertion = checkAssertion(assertionXml, ctx);
  if (!assertion.ok) problems.push(...assertion.problems);
  if (problems.length > 0 || !assertion.ok) return rejected(deps, claimedRequestId, problems);
  if (claimedRequestId) deps.state.requests.delete(claimedRequestId);
  const session = {
    id: randomBytes(24).toString('base64url'),
    createdAt: deps.now().toISOString(),
    requestId: claimedRequestId,
    idpEntityId: deps.idpEntityId,
    ...assertion.facts,
  };
  deps.state.sessions.set(session.id, session);
  return { kind: 'login', at: session.createdAt, session };
}

/** RelayState must be one this SP issued (and is used once): binds the response to a login we began. */
function checkRelayState(deps: AcsDeps, relayState: string | undefined): string | undefined {
  if (!relayState) return 'relay-state: RelayState missing';
  if (!deps.state.relayStates.get(relayState))
    return 'relay-state: RelayState was not issued by this SP (or expired)';
  deps.state.relayStates.delete(relayState);
  return undefined;
}
