/**
 * The card checks give the same verdicts whether a certificate is new to the IdP or seen before
 * (parsed certificate and issuer remembered): valid, expired, revoked, from an unknown CA, not a
 * certificate, with and without the expected serial, first and second time, against a fresh
 * instance's answer.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { crlRevoking, expiredDefaultCard } from '../testing/test-cards.ts';
import { testSp } from '../testing/test-sp.ts';
import { CardTrust, type CertCheck } from './card-trust.ts';

const image = defaultCardImage();
const cas = [fromHex(image.ias.certificates.holderCa)];

/** What a check says, with the certificate as its DER. */
function verdict(c: CertCheck): unknown {
  if (!c.ok) return c;
  const { certificate, ...rest } = c.identity;
  return { ...rest, certificate: Buffer.from(certificate.raw).toString('hex') };
}

describe('CardTrust.check with remembered certificates', () => {
  const valid = fromHex(image.ias.certificates.holder);
  const expired = fromHex(expiredDefaultCard().ias.certificates.holder);
  const foreign = new Uint8Array(new X509Certificate(testSp().key.certificatePem).raw);
  const garbage = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00);
  const now = new Date();
  const serial = image.citizen.document.number;
  const inputs: [string, Uint8Array, string | undefined][] = [
    ['valid', valid, undefined],
    ['valid, serial', valid, serial],
    ['valid, wrong serial', valid, 'CA00000ZZ'],
    ['expired', expired, undefined],
    ['foreign CA', foreign, undefined],
    ['not a certificate', garbage, undefined],
  ];

  it('answers as a fresh instance does, first time and after', () => {
    for (const crls of [[], [crlRevoking([image])]]) {
      const warm = new CardTrust({ cas, crls: () => crls });
      for (let round = 0; round < 2; round++)
        for (const [name, der, expected] of inputs) {
          const fresh = new CardTrust({ cas, crls: () => crls }).check(der, now, expected);
          expect(verdict(warm.check(der, now, expected)), `${name}, round ${round}`).toEqual(
            verdict(fresh),
          );
        }
      expect(warm.check(valid, now).ok).toBe(crls.length === 0);
      const codes = inputs.map(([, der, expected]) => {
        const c = warm.check(der, now, expected);
        return c.ok ? 'ok' : c.code;
      });
      // Revocation is checked before the serial: a revoked card never gets to SERIAL_MISMATCH.
      const first = crls.length === 0 ? ['ok', 'SERIAL_MISMATCH'] : ['CERT_REVOKED'];
      expect(new Set(codes)).toEqual(
        new Set([...first, 'CERT_EXPIRED', 'CERT_UNTRUSTED', 'CERT_MALFORMED']),
      );
    }
  });
});
