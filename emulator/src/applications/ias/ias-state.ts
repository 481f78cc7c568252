/**
 * Volatile state of the IAS application (README.md §10) — explicit records, reset by a single
 * power path:
 *
 * ```
 * S0/SM0 ──MSE SET KAT (plain)──► kat ──GET DATA A6 91──► channel{keys-agreed}           (SMd)
 * keys-agreed ─MSE SET DST 84─► ca-key-selected ─PSO VERIFY CERT─► certificate-verified
 *   ─MSE SET AT 83 CHR─► ifd-key-selected ─GET CHALLENGE + EXTERNAL AUTH─► ifd-authenticated
 *   ─MSE SET AT 84 82 + INTERNAL AUTH─► authenticated (SSC re-seeded)                    (SMa)
 * ```
 * The channel lives exactly as long as the SM session it was agreed for: when the pipeline ends
 * the session (a plain command, an SM error, a command refused before SM processing, a reset) or
 * replaces it, the application hears it once ({@link IasState.sessionChanged}) and drops the
 * channel. The DAPP's counter re-seed keeps the session. DAPP, PIN and PUK verification are
 * security-status flags with the `sm-session` scope, revoked by the pipeline at the same moment.
 */
import type { CommandContext, SmSessionEvent } from '../../card/application.ts';
import type { RsaPublicKey } from '../../crypto/rsa.ts';
import type { DappTranscript } from './dapp-crypto.ts';
import type { DhKeyPair } from './dh.ts';

/** Security-status flags of the IAS application. */
export const FLAG_DAPP = 'ias:dapp';
export const FLAG_PIN = 'ias:pin';
export const FLAG_PUK = 'ias:puk';

/** The terminal key learnt from its certificate (PSO VERIFY CERTIFICATE). */
export interface IfdKey {
  readonly chr: Uint8Array;
  readonly key: RsaPublicKey;
  readonly modulusLength: number;
}

export type DappPhase =
  | { readonly step: 'keys-agreed' }
  | { readonly step: 'ca-key-selected' }
  | { readonly step: 'certificate-verified'; readonly ifd: IfdKey }
  | { readonly step: 'ifd-key-selected'; readonly ifd: IfdKey }
  | { readonly step: 'ifd-authenticated'; readonly rndIcc: Uint8Array }
  | { readonly step: 'authenticated' };

export interface SecureChannel {
  readonly transcript: DappTranscript;
  phase: DappPhase;
}

/** MSE SET AT 41 A4 selection for INTERNAL AUTHENTICATE. */
export interface AtSelection {
  readonly key: number;
  readonly algorithm: number;
}

export interface KatState {
  readonly ifdPublic: Uint8Array;
  readonly icc: DhKeyPair;
}

export class IasState {
  kat: KatState | undefined;
  channel: SecureChannel | undefined;
  at: AtSelection | undefined;

  reset(): void {
    this.kat = undefined;
    this.channel = undefined;
    this.at = undefined;
  }

  /** The session this channel was agreed for ended or was replaced: the channel goes with it. */
  sessionChanged(_event: SmSessionEvent): void {
    this.channel = undefined;
  }

  /** The channel if the command arrived under the IAS session, else undefined. */
  boundChannel(ctx: CommandContext): SecureChannel | undefined {
    return ctx.smProtected ? this.channel : undefined;
  }
}
