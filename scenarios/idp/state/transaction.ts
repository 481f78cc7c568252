/**
 * A login transaction: one validated AuthnRequest and what the user has done since, as an explicit
 * state machine (a discriminated union on `step`, never flags). Allowed moves:
 *
 * ```
 * chooser ──smartphone──▶ serial ──serial ok──▶ qr ──app signed──▶ otp ──right OTP──▶ consent ──▶ done
 *    │                      ▲                   │ expired/regenerate │ tries/lifetime out            │
 *    │                      └───────────────────┴────── new QR ◀─────┘                              │
 *    ├──computer──▶ desktop ──client certificate ok──────────────────────────────▶ consent         │
 * handoff (mobile UA) ──X509TLS13First/Second or Login2 + code──────────────────▶ consent         │
 * any step ──cancel──▶ done(25) · budget over──▶ done(21) · card expired/revoked──▶ done(23)  ◀──┘
 * ```
 */
import type { AcceptedRequest } from '../saml/authn-request.ts';
import type { SpMetadata } from '../sp-registry/sp-metadata.ts';
import type { CitizenAttributes } from '../saml/response.ts';

/** One QR operation of the hybrid flow. */
export interface HybridOp {
  readonly opId: string;
  readonly serial: string;
  readonly expiresAt: number;
  /** The string the app signs (the opId or a server nonce, `A-HYBRID-CHALLENGE`). */
  challenge: string;
  /** What the app did; `refused` carries the check that failed. */
  outcome:
    | { readonly kind: 'waiting' }
    | { readonly kind: 'signed'; readonly citizen: CitizenAttributes }
    | { readonly kind: 'refused'; readonly code: string; readonly message: string };
}

export type Step =
  | { readonly step: 'chooser' }
  | { readonly step: 'serial'; readonly error?: string }
  | { readonly step: 'qr'; readonly op: HybridOp }
  | {
      readonly step: 'otp';
      readonly op: HybridOp;
      readonly otp: string;
      readonly expiresAt: number;
      readonly triesLeft: number;
      readonly citizen: CitizenAttributes;
      readonly error?: string;
    }
  | { readonly step: 'otp-void'; readonly reason: 'tries' | 'expired' }
  | { readonly step: 'desktop' }
  | {
      readonly step: 'handoff';
      /** TLS 1.3 variant: challenge issued for a checked certificate. */
      readonly challenge?: {
        readonly value: string;
        readonly expiresAt: number;
        readonly citizen: CitizenAttributes;
        readonly certificate: Uint8Array;
      };
      /** Login2 variant: one-time code issued after the mutual-TLS call. */
      readonly code?: {
        readonly value: string;
        readonly expiresAt: number;
        readonly citizen: CitizenAttributes;
      };
    }
  | { readonly step: 'consent'; readonly citizen: CitizenAttributes; readonly authnInstant: Date }
  | { readonly step: 'failed'; readonly code: 21 | 23 | 25; readonly detail: string }
  | { readonly step: 'done' };

export interface Transaction {
  /** Flow key `e<n>s1`, unique within its session. */
  readonly key: string;
  readonly sessionId: string;
  /** Identifies the transaction on the app's server calls (`A-AUTHN-REQUEST-STRING`). */
  readonly authnRequestString: string;
  readonly createdAt: number;
  readonly deadline: number;
  readonly request: AcceptedRequest;
  readonly sp: SpMetadata;
  readonly relayState?: string;
  /** `mobile` when the user agent asked for the app hand-off. */
  readonly channel: 'desktop' | 'mobile';
  state: Step;
}
