/**
 * `ciebench card revoke|unrevoke|expire`: the CRL of the test PKI really lists the card (checked
 * with OpenSSL through node:crypto and with the IdP's trust store), and an expired card is one the
 * IdP refuses while everything else about it is unchanged.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { readCardImage } from '../../../emulator/src/state/image-file.ts';
import { holderCertificateSerial } from '../../../emulator/src/state/certificate-lifecycle.ts';
import { CardTrust } from '../../../scenarios/idp/trust/card-trust.ts';
import { crlFileSource } from '../../../scenarios/idp/server.ts';
import { cardExpire, cardRevoke, CardCertError } from './card-cert.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-cardcert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const card = join(dir, 'card.json');
writeFileSync(card, JSON.stringify(defaultCardImage()));
const pkiDir = join(dir, 'pki');
const now = new Date('2026-03-01T10:00:00Z');

function trust(): CardTrust {
  return new CardTrust({
    cas: [fromHex(defaultCardImage().ias.certificates.holderCa)],
    crls: crlFileSource([join(pkiDir, 'holder-ca.crl')]),
  });
}

describe('ciebench card revoke | unrevoke | expire', () => {
  it('revoke publishes a CRL signed by the holder CA listing the card; the IdP then refuses the card; unrevoke releases it', () => {
    const cert = fromHex(defaultCardImage().ias.certificates.holder);
    expect(trust().check(cert, now).ok).toBe(true);
    expect(cardRevoke({ card, pkiDir }, now)).toMatch(
      /^revoked certificate [0-9A-F]+ of card CU89156GJ/,
    );
    const der = readFileSync(join(pkiDir, 'holder-ca.crl'));
    const crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(der).slice());
    const listed = (crl.revokedCertificates ?? []).map((r) =>
      Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex'),
    );
    expect(listed).toContain(
      Buffer.from(holderCertificateSerial(defaultCardImage())).toString('hex'),
    );
    expect(readFileSync(join(pkiDir, 'holder-ca.crl.pem'), 'utf8')).toMatch(
      /^-----BEGIN X509 CRL-----/,
    );
    const refused = trust().check(cert, now);
    expect(refused).toMatchObject({ ok: false, code: 'CERT_REVOKED' });
    cardRevoke({ card, pkiDir }, now, true);
    expect(trust().check(cert, now).ok).toBe(true);
  });

  it('expire re-issues the certificate ending on the given day; keys, state and citizen are unchanged; the IdP says CERT_EXPIRED', () => {
    const out = join(dir, 'expired.json');
    expect(cardExpire({ card, on: '2025-06-30', out }, now)).toContain('wrote');
    const before = readCardImage(card);
    const after = readCardImage(out);
    const c = new X509Certificate(Buffer.from(after.ias.certificates.holder, 'hex'));
    expect(new Date(c.validTo).toISOString()).toBe('2025-06-30T23:59:59.000Z');
    expect(after.ias.keys).toEqual(before.ias.keys);
    expect(after.state).toEqual(before.state);
    expect(after.citizen).toEqual(before.citizen);
    expect(after.ias.files.sod).not.toBe(before.ias.files.sod);
    expect(trust().check(fromHex(after.ias.certificates.holder), now)).toMatchObject({
      ok: false,
      code: 'CERT_EXPIRED',
    });
  });

  it('bad input is refused with a clear message (exit code 2 class)', () => {
    expect(() => cardExpire({ card, on: '30/06/2025' }, now)).toThrow(CardCertError);
    expect(() => cardRevoke({ card, reason: 'whim' }, now)).toThrow(/--reason/);
  });
});
