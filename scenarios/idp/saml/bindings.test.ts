/**
 * The Redirect-binding signature check with public keys parsed once per certificate answers as a
 * check that parses the PEM each time: seeded requests signed by the right key, by another key,
 * with a changed RelayState, and against a certificate list holding one that does not parse, each
 * checked twice (first parse, then the remembered key).
 */
import { createSign, createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { testSp } from '../testing/test-sp.ts';
import { ALG } from './sign.ts';
import { parseRawQuery, verifyRedirectSignature } from './bindings.ts';

const a = testSp().key;
const b = testSp({ seed: 'bindings-test' }).key;

function query(i: number, signer: string): string {
  const rng = seededRng(`bindings-test|${i}`);
  const req = encodeURIComponent(Buffer.from(rng.bytes(40 + i)).toString('base64'));
  const relay = encodeURIComponent(Buffer.from(rng.bytes(6)).toString('base64url'));
  const octets = `SAMLRequest=${req}&RelayState=${relay}&SigAlg=${encodeURIComponent(ALG.rsaSha256)}`;
  const sig = createSign('sha256').update(octets, 'utf8').sign(signer, 'base64');
  return `${octets}&Signature=${encodeURIComponent(sig)}`;
}

/** The check as it was: createVerify with the PEM text, certificate by certificate. */
function reference(q: string, certs: readonly string[]): boolean {
  const p = parseRawQuery(q);
  const octets = `SAMLRequest=${p.get('SAMLRequest')?.raw}&RelayState=${p.get('RelayState')?.raw}&SigAlg=${p.get('SigAlg')?.raw}`;
  const sig = Buffer.from(p.get('Signature')?.value ?? '', 'base64');
  return certs.some((pem) => {
    try {
      return createVerify('sha256').update(octets, 'utf8').verify(pem, sig);
    } catch {
      return false;
    }
  });
}

describe('verifyRedirectSignature with remembered public keys', () => {
  it('accepts and refuses exactly as a check parsing each PEM does', () => {
    const lists = [[a.certificatePem], [b.certificatePem], ['not a PEM', a.certificatePem]];
    const seen: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const signer = i % 2 === 0 ? a.privateKeyPem : b.privateKeyPem;
      const good = query(i, signer);
      const tampered = good.replace('RelayState=', 'RelayState=x');
      for (const q of [good, tampered])
        for (const certs of lists)
          for (let round = 0; round < 2; round++) {
            const ok = verifyRedirectSignature(parseRawQuery(q), certs).ok;
            expect(ok).toBe(reference(q, certs));
            seen.push(ok);
          }
    }
    expect(seen).toContain(true);
    expect(seen).toContain(false);
  });
});
