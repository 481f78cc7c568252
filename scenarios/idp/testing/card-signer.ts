/**
 * The card side of a level-3 login in tests and the bench: the reference IAS terminal drives an
 * emulated CIE (DH key exchange, device authentication, VERIFY PIN, certificate read, signature
 * with key 81 over a SHA-256 DigestInfo of the challenge), exactly what the CieID app asks of the
 * card. The key never leaves the card: the IdP only sees the certificate and the signature.
 */
import { asciiBytes } from '../../../emulator/src/bytes/bytes.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { cieCardFromImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import type { ApduChannel } from '../../../harness/channel/apdu-channel.ts';
import { InProcessChannel } from '../../../harness/channel/in-process-channel.ts';
import {
  loginFlow,
  type FlowReport,
  type LoginResult,
} from '../../../harness/terminals/ias/flows.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';

export class CardSignError extends Error {
  readonly code: string;
  readonly report: FlowReport<LoginResult>;
  constructor(report: FlowReport<LoginResult>) {
    super(`card login failed: ${report.error?.code ?? '?'} ${report.error?.message ?? ''}`);
    this.code = report.error?.code ?? 'CARD_LOGIN_FAILED';
    this.report = report;
  }
}

export interface CardSignature {
  /** EF 1003 certificate (DER), hex upper case. */
  readonly certificateHex: string;
  /** Key-81 signature of DigestInfo(SHA-256(challenge)), hex upper case. */
  readonly signatureHex: string;
  readonly report: FlowReport<LoginResult>;
}

/** An emulated CIE behind an in-process channel, with the PIN a tester knows. */
export interface EmulatedCard {
  readonly image: CardImage;
  readonly channel: ApduChannel;
  readonly pin: string;
  readonly serial: string;
}

export function emulatedCard(
  image: CardImage = defaultCardImage(),
  seed = 'idp-test',
): EmulatedCard {
  const cie = cieCardFromImage(image, { strict: true, rng: seededRng(`card|${seed}`) });
  return {
    image,
    channel: new InProcessChannel(cie.card, cie.profile.label),
    pin: image.state.pin.value,
    serial: image.citizen.document.number,
  };
}

/** Runs the mobile login sequence on the card and signs `challenge` (its UTF-8 bytes). */
export async function cardSign(
  card: EmulatedCard,
  challenge: string,
  o: { pin?: string; style?: 'android' | 'ios' | 'desktop'; rngSeed?: string } = {},
): Promise<CardSignature> {
  const report = await loginFlow(card.channel, {
    pin: o.pin ?? card.pin,
    challenge: asciiBytes(challenge),
    style: o.style ?? 'android',
    rng: seededRng(`terminal|${o.rngSeed ?? challenge}`),
    trust: { csca: [], holderCa: [fromHex(card.image.ias.certificates.holderCa)] },
  });
  if (report.verdict !== 'pass' || !report.result) throw new CardSignError(report);
  return {
    certificateHex: report.result.certificate,
    signatureHex: report.result.signature,
    report,
  };
}
