/**
 * Changing a card's authentication certificate after personalisation, as the issuer can: a
 * re-issue with another validity (an expired card for tests), keeping every key, PIN/PUK state and
 * the other applications. EF 1003 and EF.SOD (whose data group A3 hashes the certificate) are
 * rebuilt and re-signed by the test PKI's Document Signer; the card's own keys never change.
 */
import { X509Certificate } from 'node:crypto';
import { toHex } from '../bytes/hex.ts';
import { buildIasFiles } from '../personalise/ias/ias-files.ts';
import {
  holderCertificate,
  type CertificateValidity,
} from '../personalise/ias/holder-certificate.ts';
import { generateTestPki } from '../personalise/pki/test-pki.ts';
import type { CardImage } from './card-image.ts';
import { cardImageFromPersonalisation, iasPersonalisationFromImage } from './image-convert.ts';
import { CardImageError } from './image-file.ts';

/** The image with a holder certificate re-issued for `validity` (EF 1003 and EF.SOD rebuilt). */
export function reissueHolderCertificate(
  image: CardImage,
  validity: CertificateValidity,
): CardImage {
  if (validity.notAfter <= validity.notBefore)
    throw new CardImageError('IMAGE_INVALID', 'certificate validity ends before it starts');
  const p = iasPersonalisationFromImage(image);
  const pki = generateTestPki(image.pkiSeed);
  if (toHex(pki.holderCa.certificate) !== image.ias.certificates.holderCa)
    throw new CardImageError(
      'IMAGE_INVALID',
      `the image's holder CA is not the one of PKI seed '${image.pkiSeed}': cannot re-issue`,
    );
  const cert = holderCertificate(p.citizen, p.keys.holder, pki.holderCa, validity);
  const files = buildIasFiles({
    citizen: p.citizen,
    keys: p.keys,
    dh: p.dh,
    holderCertificate: cert,
    sodVariant: p.sodVariant,
    signer: pki.documentSigner,
  });
  return cardImageFromPersonalisation(
    { ...p, certificates: { ...p.certificates, holder: cert }, files },
    image.profile,
    image.state,
    image.modules,
  );
}

/** An image whose certificate expired at the end of `day` (its validity starts ten years before). */
export function expireCardImage(image: CardImage, day: Date): CardImage {
  const notAfter = new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 23, 59, 59),
  );
  const notBefore = new Date(
    Date.UTC(day.getUTCFullYear() - 10, day.getUTCMonth(), day.getUTCDate()),
  );
  return reissueHolderCertificate(image, { notBefore, notAfter });
}

/** Serial number of the image's holder certificate (big-endian bytes). */
export function holderCertificateSerial(image: CardImage): Uint8Array {
  const c = new X509Certificate(Buffer.from(image.ias.certificates.holder, 'hex'));
  const hex = c.serialNumber.length % 2 ? `0${c.serialNumber}` : c.serialNumber;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
