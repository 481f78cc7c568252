/**
 * Personalisation of the IAS application from a seed: the synthetic citizen, the RSA
 * keys (holder 81, ICC authentication 82, servizi 83), the DAPP CA key that fits the clients'
 * hard-coded exponent (§2.4), the DH group, the holder certificate from the test holder CA and
 * the file contents of ias/README.md §2.2 including EF.SOD (§2.5) signed by the test DS.
 *
 * Every key comes from its own seeded stream (`ciebench-ias|<seed>|<role>`), so the same seed
 * always gives the same card, and keys are cached per seed for the life of the process (key
 * generation dominates: about a second for the four keys).
 */
import { asciiBytes, concatBytes } from '../../bytes/bytes.ts';
import { fromHex } from '../../bytes/hex.ts';
import { seededRng } from '../../crypto/rng.ts';
import { generateRsaKey, type RsaPrivateKey } from '../../crypto/rsa.ts';
import type { DhGroup } from '../../applications/ias/dh.ts';
import { generateCitizen, type Citizen } from '../citizen.ts';
import { generateTestPki, DEFAULT_PKI_SEED } from '../pki/test-pki.ts';
import { generateDappCaKey } from './ca-key.ts';
import { RFC5114_2048_256 } from './dh-group.ts';
import { holderCertificate } from './holder-certificate.ts';
import { buildIasFiles, type IasFiles, type SodVariant } from './ias-files.ts';

export interface IasKeys {
  /** Key 81: holder authentication/signature key (public part in EF 1003). */
  readonly holder: RsaPrivateKey;
  /** Key 82: ICC authentication key for DAPP (public part in EF 1004). */
  readonly iccAuth: RsaPrivateKey;
  /** Key 83: "servizi" key, usable without PIN (public part in EF 1005). */
  readonly servizi: RsaPrivateKey;
  /** DAPP CA key pair with the clients' fixed private exponent (card keeps only n, e). */
  readonly ca: RsaPrivateKey;
}

export interface IasCertificates {
  readonly holder: Uint8Array;
  readonly holderCa: Uint8Array;
  readonly documentSigner: Uint8Array;
  readonly csca: Uint8Array;
}

export interface IasPersonalisation {
  readonly seed: string;
  readonly pkiSeed: string;
  readonly citizen: Citizen;
  readonly keys: IasKeys;
  readonly dh: DhGroup;
  /** 5F20 of the CA public key: 00 00 00 00 ‖ CAR (§2.4: CAR = CHR[4..]). */
  readonly caChr: Uint8Array;
  /** 5F4C: CA AID (6) ‖ role (§2.4: CA_AID = CHA[0..5]). */
  readonly caCha: Uint8Array;
  /** SN.ICC returned by the DAPP INTERNAL AUTHENTICATE (8 bytes, §5.3 step 7). */
  readonly snIccDapp: Uint8Array;
  readonly certificates: IasCertificates;
  readonly files: IasFiles;
  readonly sodVariant: SodVariant;
}

export interface PersonaliseOptions {
  readonly pkiSeed?: string;
  readonly sodVariant?: SodVariant;
  /** The citizen, when the caller made it (default: generated from the seed). */
  readonly citizen?: Citizen;
  /**
   * The four keys, when the caller has them (a fleet's shared key pool); default: generated from
   * the seed. Every file and certificate is still built for this citizen around them.
   */
  readonly keys?: IasKeys;
}

/**
 * CAR of the emulated CA: "IT" "CB" "TST" + 01 — an invented reference (the real one is not
 * published, §12 item 6). The clients copy it into the terminal certificate.
 */
export const EMULATED_CA_CAR = fromHex('49 54 43 42 54 53 54 01');
/** CA AID of CHA: the DF_CIE AID, role 00 [inferred: clients only use the first six bytes]. */
export const EMULATED_CA_CHA = fromHex('A0 00 00 00 00 39 00');

const keyCache = new Map<string, IasKeys>();

/** The four keys of the IAS application for `seed` (cached). */
export function iasKeysFor(seed: string): IasKeys {
  let keys = keyCache.get(seed);
  if (!keys) {
    const rng = (role: string) => seededRng(`ciebench-ias|${seed}|${role}`);
    keys = {
      holder: generateRsaKey(rng('holder-81'), 2048),
      iccAuth: generateRsaKey(rng('icc-auth-82'), 2048),
      servizi: generateRsaKey(rng('servizi-83'), 2048),
      ca: generateDappCaKey(rng('dapp-ca-84')),
    };
    keyCache.set(seed, keys);
  }
  return keys;
}

/** SN.ICC for DAPP: the last 8 bytes of the EF.SN.ICC value [inferred; relation open, §5.3 step 7]. */
export function dappSerialNumber(citizen: Citizen): Uint8Array {
  return fromHex(citizen.snIcc).slice(4, 12);
}

export function personaliseIas(seed: string, options: PersonaliseOptions = {}): IasPersonalisation {
  const pkiSeed = options.pkiSeed ?? DEFAULT_PKI_SEED;
  const sodVariant = options.sodVariant ?? 'sha512-pss';
  const citizen = options.citizen ?? generateCitizen(seed);
  const keys = options.keys ?? iasKeysFor(seed);
  const pki = generateTestPki(pkiSeed);
  const certificates: IasCertificates = {
    holder: holderCertificate(citizen, keys.holder, pki.holderCa),
    holderCa: pki.holderCa.certificate,
    documentSigner: pki.documentSigner.certificate,
    csca: pki.csca.certificate,
  };
  const dh = RFC5114_2048_256;
  const files = buildIasFiles({
    citizen,
    keys,
    dh,
    holderCertificate: certificates.holder,
    sodVariant,
    signer: pki.documentSigner,
  });
  return {
    seed,
    pkiSeed,
    citizen,
    keys,
    dh,
    caChr: concatBytes(new Uint8Array(4), EMULATED_CA_CAR),
    caCha: EMULATED_CA_CHA,
    snIccDapp: dappSerialNumber(citizen),
    certificates,
    files,
    sodVariant,
  };
}

/** The bytes the desktop hashes for DG A2: the document number, 9 ASCII characters (§2.5). */
export function serialeContent(citizen: Citizen): Uint8Array {
  return asciiBytes(citizen.document.number);
}
