/**
 * Card images for the revocation and expiry tests, all from the committed default card: the same
 * card expired (certificate re-issued to end on a past day), and a CRL of the test PKI revoking the
 * default card's certificate. Both need the test PKI's keys (a few seconds the first time).
 */
import {
  DEFAULT_PKI_SEED,
  generateTestPki,
  HOLDER_CA_NAME,
} from '../../../emulator/src/personalise/pki/test-pki.ts';
import { issueCrl } from '../../../emulator/src/personalise/pki/crl.ts';
import { rsaPrivateKeyObject } from '../../../emulator/src/crypto/rsa.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import {
  expireCardImage,
  holderCertificateSerial,
} from '../../../emulator/src/state/certificate-lifecycle.ts';

let expired: CardImage | undefined;

/** The default card with a certificate that expired at the end of 2025-01-31. */
export function expiredDefaultCard(): CardImage {
  expired ??= expireCardImage(defaultCardImage(), new Date('2025-01-31T00:00:00Z'));
  return expired;
}

/** A CRL of the default test PKI listing the given cards' certificates. */
export function crlRevoking(images: readonly CardImage[], now = new Date()): Uint8Array {
  const pki = generateTestPki(DEFAULT_PKI_SEED);
  return issueCrl({
    issuer: pki.holderCa,
    issuerName: HOLDER_CA_NAME,
    thisUpdate: new Date(now.getTime() - 3_600_000),
    nextUpdate: new Date(now.getTime() + 30 * 86_400_000),
    crlNumber: 1,
    revoked: images.map((i) => ({
      serialNumber: holderCertificateSerial(i),
      revocationDate: now,
      reason: 'keyCompromise',
    })),
  });
}

/**
 * PEM key and certificate of a card image: a *software* stand-in for the card in a TLS handshake.
 * Node's TLS cannot delegate the CertificateVerify signature to the card, so the tests of the
 * client-certificate endpoints read the key from the TEST card image (which holds it in clear by
 * design); the card-driven TLS client comes with the bench's PKCS#11 module. Everything else the
 * IdP does with the certificate is the same.
 */
export function softwareClientCertificate(image: CardImage): { key: string; cert: string } {
  const h = image.ias.keys.holder;
  const key = rsaPrivateKeyObject({
    n: BigInt(`0x${h.n}`),
    e: BigInt(`0x${h.e}`),
    d: BigInt(`0x${h.d}`),
    p: BigInt(`0x${h.p}`),
    q: BigInt(`0x${h.q}`),
  }).export({ type: 'pkcs8', format: 'pem' }) as string;
  const b64 = Buffer.from(image.ias.certificates.holder, 'hex')
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return { key, cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n` };
}
