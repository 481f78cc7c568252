/**
 * The test PKI issues the Document Signer certificate with the extension set of the real one, and
 * the default card's EF.SOD has the real card's size: compared with the real IAS EF.SOD kept in
 * `real-card/ias_EF.SOD_sample.hex` (from pagopa/cie-sdk-android `CieCommandsTest.kt`, header in
 * the file; ias/README.md §2.5).
 */
import { readFileSync } from 'node:fs';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../bytes/hex.ts';
import { defaultCardImage } from '../../profiles/default-card-image.ts';
import { emrtdPersonalisationFromImage } from '../../applications/emrtd/emrtd-image.ts';
import { parseSod } from './sod.ts';
import { generateTestPki, DEFAULT_PKI_SEED } from './test-pki.ts';

const DATA = new URL('./real-card', import.meta.url).pathname;

function realSod(): Uint8Array {
  const text = readFileSync(`${DATA}/ias_EF.SOD_sample.hex`, 'utf8');
  return fromHex(
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join(''),
  );
}

/** `oid [critical]` of each extension, in certificate order. */
function extensionProfile(certificateDer: Uint8Array): string[] {
  const cert = pkijs.Certificate.fromBER(certificateDer.slice());
  return (cert.extensions ?? []).map((e) => `${e.extnID}${e.critical ? ' critical' : ''}`);
}

const REAL = realSod();
const REAL_DS = parseSod(REAL).signerCertificate;

describe('Document Signer certificate of the test PKI against the real CIE one', () => {
  it('the real DS certificate lists eight extensions, key usage the only critical one', () => {
    expect(extensionProfile(REAL_DS)).toEqual([
      '2.23.136.1.1.6.2',
      '2.5.29.35',
      '2.5.29.18',
      '2.5.29.17',
      '2.5.29.31',
      '2.5.29.14',
      '2.5.29.16',
      '2.5.29.15 critical',
    ]);
  });

  it('the test DS certificate has the same extensions: names, order, criticality', () => {
    const ds = generateTestPki(DEFAULT_PKI_SEED).documentSigner.certificate;
    expect(extensionProfile(ds)).toEqual(extensionProfile(REAL_DS));
  });

  it('the DS certificate inside the default card’s EF.SOD (IAS and eMRTD) is that certificate', () => {
    const image = defaultCardImage();
    const iasSod = parseSod(fromHex(image.ias.files.sod));
    const emrtdSod = emrtdPersonalisationFromImage(image).files.sod;
    expect(extensionProfile(iasSod.signerCertificate)).toEqual(extensionProfile(REAL_DS));
    expect(extensionProfile(parseSod(fromHex(emrtdSod)).signerCertificate)).toEqual(
      extensionProfile(REAL_DS),
    );
  });

  it('the default card’s IAS EF.SOD is within 5% of the real sample’s 2852 bytes', () => {
    const size = fromHex(defaultCardImage().ias.files.sod).length;
    expect(REAL.length).toBe(2852);
    expect(Math.abs(size - REAL.length) / REAL.length).toBeLessThanOrEqual(0.05);
  });
});
