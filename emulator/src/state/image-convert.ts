/**
 * Conversion between the in-memory IAS personalisation (bigints, bytes) and the card image
 * (hex JSON). Loading re-checks what a hand edit could break silently: every RSA key is
 * consistent (n = p·q, e·d ≡ 1 mod λ), EF 1004/1005 hold the public keys of keys 82/83, and the
 * NIS equals the BCD digits of EF.SN.ICC (ias/README.md §2.2 notes).
 */
import { toHex, fromHex } from '../bytes/hex.ts';
import { equalBytes } from '../bytes/bytes.ts';
import { gcd, type RsaPrivateKey } from '../crypto/rsa.ts';
import type { Citizen } from '../personalise/citizen.ts';
import type { IasPersonalisation } from '../personalise/ias/ias-personalisation.ts';
import { rsaPublicKeyDer } from '../personalise/pki/x509.ts';
import {
  CARD_IMAGE_FORMAT,
  CARD_IMAGE_NOTICE,
  CARD_IMAGE_VERSION,
  type CardImage,
  type RsaKeyImage,
} from './card-image.ts';
import { CardImageError } from './image-error.ts';
import { initialSecrets, type SecretsState } from './secret-store.ts';

const hexInt = (v: bigint): string => v.toString(16).toUpperCase();
const intOf = (h: string): bigint => BigInt(`0x${h}`);

export function rsaKeyToImage(k: RsaPrivateKey): RsaKeyImage {
  return { n: hexInt(k.n), e: hexInt(k.e), d: hexInt(k.d), p: hexInt(k.p), q: hexInt(k.q) };
}

export function rsaKeyFromImage(j: RsaKeyImage, name: string): RsaPrivateKey {
  const k = { n: intOf(j.n), e: intOf(j.e), d: intOf(j.d), p: intOf(j.p), q: intOf(j.q) };
  const lambda = ((k.p - 1n) * (k.q - 1n)) / gcd(k.p - 1n, k.q - 1n);
  if (k.p * k.q !== k.n || (k.e * k.d) % lambda !== 1n) {
    throw new CardImageError(
      'IMAGE_INVALID',
      `RSA key '${name}' in the card image is inconsistent (n ≠ p·q or e·d ≢ 1)`,
    );
  }
  return k;
}

export function cardImageFromPersonalisation(
  p: IasPersonalisation,
  profile: string,
  state: SecretsState = initialSecrets(p.citizen.pin, p.citizen.puk),
  modules?: CardImage['modules'],
): CardImage {
  const f = p.files;
  return {
    format: CARD_IMAGE_FORMAT,
    version: CARD_IMAGE_VERSION,
    notice: CARD_IMAGE_NOTICE,
    profile,
    seed: p.seed,
    pkiSeed: p.pkiSeed,
    citizen: { ...p.citizen, mrz: [...p.citizen.mrz] as [string, string, string] },
    ias: {
      sodVariant: p.sodVariant,
      dh: { p: toHex(p.dh.p), g: toHex(p.dh.g), q: toHex(p.dh.q) },
      caChr: toHex(p.caChr),
      caCha: toHex(p.caCha),
      snIccDapp: toHex(p.snIccDapp),
      keys: {
        holder: rsaKeyToImage(p.keys.holder),
        iccAuth: rsaKeyToImage(p.keys.iccAuth),
        servizi: rsaKeyToImage(p.keys.servizi),
        ca: rsaKeyToImage(p.keys.ca),
      },
      certificates: {
        holder: toHex(p.certificates.holder),
        holderCa: toHex(p.certificates.holderCa),
        documentSigner: toHex(p.certificates.documentSigner),
        csca: toHex(p.certificates.csca),
      },
      files: {
        snIcc: toHex(f.snIcc),
        efDh: toHex(f.efDh),
        idServizi: toHex(f.idServizi),
        seriale: toHex(f.seriale),
        certCie: toHex(f.certCie),
        intKpub: toHex(f.intKpub),
        serviziKpub: toHex(f.serviziKpub),
        sod: toHex(f.sod),
      },
    },
    state,
    ...(modules ? { modules } : {}),
  };
}

function checkConsistency(p: IasPersonalisation): void {
  if (!equalBytes(p.files.intKpub, rsaPublicKeyDer(p.keys.iccAuth)))
    throw new CardImageError('IMAGE_INVALID', 'EF 1004 does not hold the public part of key 82');
  if (!equalBytes(p.files.serviziKpub, rsaPublicKeyDer(p.keys.servizi)))
    throw new CardImageError('IMAGE_INVALID', 'EF 1005 does not hold the public part of key 83');
  const nisFromSn = p.citizen.snIcc.slice(10, 22);
  if (nisFromSn !== p.citizen.nis)
    throw new CardImageError(
      'IMAGE_INVALID',
      `NIS ${p.citizen.nis} differs from EF.SN.ICC digits ${nisFromSn} (ias/README.md §2.2)`,
    );
}

export function iasPersonalisationFromImage(image: CardImage): IasPersonalisation {
  const i = image.ias;
  const f = i.files;
  const citizen: Citizen = { ...image.citizen, mrz: image.citizen.mrz };
  const p: IasPersonalisation = {
    seed: image.seed,
    pkiSeed: image.pkiSeed,
    citizen,
    keys: {
      holder: rsaKeyFromImage(i.keys.holder, 'holder'),
      iccAuth: rsaKeyFromImage(i.keys.iccAuth, 'iccAuth'),
      servizi: rsaKeyFromImage(i.keys.servizi, 'servizi'),
      ca: rsaKeyFromImage(i.keys.ca, 'ca'),
    },
    dh: { p: fromHex(i.dh.p), g: fromHex(i.dh.g), q: fromHex(i.dh.q) },
    caChr: fromHex(i.caChr),
    caCha: fromHex(i.caCha),
    snIccDapp: fromHex(i.snIccDapp),
    certificates: {
      holder: fromHex(i.certificates.holder),
      holderCa: fromHex(i.certificates.holderCa),
      documentSigner: fromHex(i.certificates.documentSigner),
      csca: fromHex(i.certificates.csca),
    },
    files: {
      snIcc: fromHex(f.snIcc),
      efDh: fromHex(f.efDh),
      idServizi: fromHex(f.idServizi),
      seriale: fromHex(f.seriale),
      certCie: fromHex(f.certCie),
      intKpub: fromHex(f.intKpub),
      serviziKpub: fromHex(f.serviziKpub),
      sod: fromHex(f.sod),
    },
    sodVariant: i.sodVariant,
  };
  checkConsistency(p);
  return p;
}
