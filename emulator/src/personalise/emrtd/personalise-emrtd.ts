/**
 * Personalisation of the eMRTD application for one synthetic citizen: every file of the LDS, the
 * chip's secrets (CAN, MRZ key material, Chip Authentication key) and its TA trust point, as a
 * JSON-serialisable record (hex strings) that the card image stores under `modules.emrtd`.
 *
 * Defaults follow the real CIE 3.0 (emrtd/README.md §0, §1.2–1.6): EF.CardAccess = the real CIE bytes
 * (PACE DH-GM-3DES, parameterId 2), Chip Authentication DH + 3DES, DG1/DG2/DG3/DG11/DG12/DG14,
 * EF.CVCA, EF.SOD with SHA-256 signed by the test Document Signer of the shared test PKI.
 */
import { z } from 'zod';
import { fromHex, toHex } from '../../bytes/hex.ts';
import { bigIntToBytes } from '../../bytes/bytes.ts';
import { tlv } from '../../bytes/ber-tlv.ts';
import { HASH_NAMES } from '../../crypto/hash.ts';
import { byteLength } from '../../crypto/rsa.ts';
import { seededRng } from '../../crypto/rng.ts';
import type { Citizen } from '../citizen.ts';
import type { TestPki } from '../pki/test-pki.ts';
import { buildSod } from '../pki/sod.ts';
import {
  encodeDhPublicKeyInfo,
  encodeEcPublicKeyInfo,
} from '../../protocols/asn1/public-key-info.ts';
import { DhDomain } from '../../protocols/domain/agreement-domain.ts';
import { EcDomain } from '../../protocols/domain/ec-domain.ts';
import { standardDomain, standardDomainKind } from '../../protocols/domain/standard-domains.ts';
import { mrzInformationFromTd1 } from '../../protocols/bac/bac-keys.ts';
import { chipAuthOid, ID_PK_DH, ID_PK_ECDH, paceOid } from '../../protocols/oids.ts';
import {
  encodeChipAuthInfo,
  encodeChipAuthPublicKeyInfo,
  encodePaceInfo,
  encodeSecurityInfos,
  encodeTerminalAuthInfo,
} from '../../protocols/security-infos.ts';
import { cvDate } from '../../protocols/terminal-auth/cv-certificate.ts';
import { buildDg2, buildDg3 } from './biometric-records.ts';
import { generateCvPki, CV_PKI_DEFAULT_CURVE, type CvPki } from './cv-pki.ts';
import { buildDg1, buildDg11, buildDg12, buildDg14, buildEfCom, buildEfCvca } from './lds-files.ts';
import { faceRecord } from './biometric-records.ts';
import { syntheticFace, syntheticFingerprint } from './synthetic-images.ts';

/** EF.CardAccess of real CIE 3.0 cards (copy with its source in real-card/ef-cardaccess-cie.txt; three public logs, emrtd/README.md §1.3). */
export const CIE_EF_CARD_ACCESS = fromHex(
  '31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 01 01 02 01 02 02 01 02',
);
export const EMRTD_AID = fromHex('A0 00 00 02 47 10 01');

const cipher = z.enum(['3DES', 'AES-128', 'AES-192', 'AES-256']);
const paceInfoOption = z
  .object({
    agreement: z.enum(['DH', 'ECDH']),
    cipher,
    parameterId: z.number().int().min(0).max(31),
  })
  .strict();
export type PaceInfoOption = z.infer<typeof paceInfoOption>;

export const CIE_PACE_INFOS: readonly PaceInfoOption[] = [
  { agreement: 'DH', cipher: '3DES', parameterId: 2 },
];

export const emrtdPersonaliseOptionsSchema = z
  .object({
    /** PACEInfos of EF.CardAccess (and DG14), in order; default: the real CIE's single PACEInfo. */
    paceInfos: z
      .array(paceInfoOption)
      .min(1)
      .default([...CIE_PACE_INFOS]),
    chipAuthentication: z
      .object({
        agreement: z.enum(['DH', 'ECDH']).default('DH'),
        cipher: cipher.default('3DES'),
        /** Standardized domain of the CA key (2 = the CIE's RFC 5114 2048/256 group). */
        parameterId: z.number().int().default(2),
        /** SubjectPublicKeyInfo algorithm for a DH key ([open] emrtd/README.md §2.9). */
        dhAlgorithm: z.enum(['x942', 'pkcs3']).default('x942'),
        keyId: z.number().int().min(0).max(255).optional(),
      })
      .strict()
      .default({ agreement: 'DH', cipher: '3DES', parameterId: 2, dhAlgorithm: 'x942' }),
    sod: z
      .object({
        hash: z.enum(HASH_NAMES).default('sha256'),
        signature: z.enum(['pkcs1', 'pss']).default('pss'),
        ldsSecurityObjectVersion: z.union([z.literal(0), z.literal(1)]).default(0),
      })
      .strict()
      .default({ hash: 'sha256', signature: 'pss', ldsSecurityObjectVersion: 0 }),
    /** DG3 (fingerprints, readable after Terminal Authentication only). */
    withDg3: z.boolean().default(true),
    /** MF-level EF.DIR listing the eMRTD application (presence on the CIE is [open], emrtd/README.md §1.6). */
    withEfDir: z.boolean().default(false),
    cvPkiCurve: z
      .enum(['P-256', 'P-384', 'P-521', 'brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1'])
      .default(CV_PKI_DEFAULT_CURVE),
  })
  .strict();

export type EmrtdPersonaliseOptions = z.input<typeof emrtdPersonaliseOptionsSchema>;

const hex = z.string().regex(/^([0-9A-Fa-f]{2})*$/, 'hex string expected');

export const emrtdPersonalisationSchema = z
  .object({
    format: z.literal('ciebench-emrtd/1'),
    seed: z.string(),
    cardAccess: hex,
    efDir: hex.optional(),
    files: z
      .object({
        com: hex,
        sod: hex,
        cvca: hex,
        dg1: hex,
        dg2: hex,
        dg3: hex.optional(),
        dg11: hex,
        dg12: hex,
        dg14: hex,
      })
      .strict(),
    chip: z
      .object({
        can: z.string().regex(/^\d{6}$/),
        mrzInformation: z.string().regex(/^[0-9A-Z<]{24,}$/),
        chipAuthenticationKeys: z
          .array(
            z
              .object({
                protocol: z.string(),
                keyId: z.number().int().optional(),
                privateKey: hex,
                publicKeyInfo: hex,
              })
              .strict(),
          )
          .min(1),
        /** CVCA certificates (7F21) whose keys are the chip's TA trust points. */
        trustPoints: z.array(hex).min(1),
        /** The chip's initial "current date" for certificate checks, YYMMDD. */
        initialDate: z.string().regex(/^\d{6}$/),
      })
      .strict(),
  })
  .strict();

export type EmrtdPersonalisation = z.infer<typeof emrtdPersonalisationSchema>;

export interface ChipAuthMaterial {
  readonly securityInfos: Uint8Array[];
  readonly key: EmrtdPersonalisation['chip']['chipAuthenticationKeys'][number];
}

function chipAuthMaterial(
  seed: string,
  o: z.infer<typeof emrtdPersonaliseOptionsSchema>['chipAuthentication'],
): ChipAuthMaterial {
  const domain = standardDomain(o.parameterId);
  if (!domain || standardDomainKind(o.parameterId) !== o.agreement)
    throw new RangeError(
      `CA parameterId ${o.parameterId} is not a supported ${o.agreement} domain`,
    );
  const privateKey = domain.randomPrivateKey(seededRng(`ciebench-ca-key|${seed}`));
  const publicKey = domain.publicKey(privateKey);
  const spki =
    domain instanceof DhDomain
      ? encodeDhPublicKeyInfo(domain, publicKey, o.dhAlgorithm)
      : encodeEcPublicKeyInfo(domain as EcDomain, publicKey);
  const protocol = chipAuthOid(o.agreement, o.cipher);
  return {
    securityInfos: [
      encodeChipAuthPublicKeyInfo(o.agreement === 'DH' ? ID_PK_DH : ID_PK_ECDH, spki, o.keyId),
      encodeChipAuthInfo(protocol, o.keyId),
    ],
    key: {
      protocol,
      ...(o.keyId === undefined ? {} : { keyId: o.keyId }),
      privateKey: toHex(bigIntToBytes(privateKey, byteLength(domain.order))),
      publicKeyInfo: toHex(spki),
    },
  };
}

function paceInfoBytes(infos: readonly PaceInfoOption[]): Uint8Array[] {
  return infos.map((i) => {
    if (standardDomainKind(i.parameterId) !== i.agreement)
      throw new RangeError(
        `PACE parameterId ${i.parameterId} is not a supported ${i.agreement} domain`,
      );
    return encodePaceInfo(paceOid(i.agreement, 'GM', i.cipher), i.parameterId);
  });
}

function isCieDefault(infos: readonly PaceInfoOption[]): boolean {
  return JSON.stringify(infos) === JSON.stringify(CIE_PACE_INFOS);
}

/**
 * Material a caller computes once and gives many cards (a fleet): the biometric data groups, the
 * Chip Authentication key and the CV PKI whose CVCA is the chip's trust point. Each is otherwise
 * derived from the card's seed. Sharing the CVCA matches real documents (one national CVCA);
 * shared biometrics and CA keys do not, and a fleet says so.
 */
export interface EmrtdSharedMaterial {
  /** DG2 content (face), for a citizen of this sex. */
  readonly dg2?: (sex: 'M' | 'F') => Uint8Array;
  /** DG3 content (fingerprints). */
  readonly dg3?: Uint8Array;
  readonly chipAuth?: ChipAuthMaterial;
  readonly cvPki?: CvPki;
}

/** The shareable material of `seed` with `options`: what {@link personaliseEmrtd} derives itself. */
export function emrtdSharedMaterial(
  seed: string,
  options: EmrtdPersonaliseOptions = {},
): Required<EmrtdSharedMaterial> {
  const o = emrtdPersonaliseOptionsSchema.parse(options);
  const face = syntheticFace(seed);
  const faces = { M: buildDg2(faceRecord(face, 'M')), F: buildDg2(faceRecord(face, 'F')) };
  return {
    dg2: (sex) => faces[sex],
    dg3: fingerprintsDg3(seed),
    chipAuth: chipAuthMaterial(seed, o.chipAuthentication),
    cvPki: generateCvPki(seed, o.cvPkiCurve),
  };
}

function fingerprintsDg3(seed: string): Uint8Array {
  return buildDg3(
    [2, 7].map((position) => ({ position, image: syntheticFingerprint(seed, position) })),
  );
}

/** Personalises the eMRTD application of `citizen` (same seed and test PKI as the IAS side). */
export function personaliseEmrtd(
  seed: string,
  citizen: Citizen,
  pki: TestPki,
  options: EmrtdPersonaliseOptions = {},
  shared: EmrtdSharedMaterial = {},
): EmrtdPersonalisation {
  const o = emrtdPersonaliseOptionsSchema.parse(options);
  const pace = paceInfoBytes(o.paceInfos);
  const cardAccess = isCieDefault(o.paceInfos) ? CIE_EF_CARD_ACCESS : encodeSecurityInfos(pace);
  const ca = shared.chipAuth ?? chipAuthMaterial(seed, o.chipAuthentication);
  const cv = shared.cvPki ?? generateCvPki(seed, o.cvPkiCurve);
  const dg2 = shared.dg2?.(citizen.sex) ?? buildDg2(faceRecord(syntheticFace(seed), citizen.sex));
  const dgs = new Map<number, Uint8Array>([
    [1, buildDg1(citizen.mrz)],
    [2, dg2],
    ...(o.withDg3 ? ([[3, shared.dg3 ?? fingerprintsDg3(seed)]] as [number, Uint8Array][]) : []),
    [11, buildDg11(citizen)],
    [12, buildDg12(citizen)],
    [14, buildDg14(encodeSecurityInfos([...ca.securityInfos, encodeTerminalAuthInfo(), ...pace]))],
  ]);
  const numbers = [...dgs.keys()];
  const sod = buildSod(
    numbers.map((n) => ({ number: n, content: dgs.get(n) as Uint8Array })),
    {
      hash: o.sod.hash,
      signature: o.sod.signature,
      ldsSecurityObjectVersion: o.sod.ldsSecurityObjectVersion,
      signer: pki.documentSigner,
    },
  );
  const file = (n: number): string => toHex(dgs.get(n) as Uint8Array);
  return {
    format: 'ciebench-emrtd/1',
    seed,
    cardAccess: toHex(cardAccess),
    ...(o.withEfDir ? { efDir: toHex(tlv(0x61, tlv(0x4f, EMRTD_AID))) } : {}),
    files: {
      com: toHex(buildEfCom(numbers)),
      sod: toHex(sod),
      cvca: toHex(buildEfCvca([cv.cvca.chr])),
      dg1: file(1),
      dg2: file(2),
      ...(o.withDg3 ? { dg3: file(3) } : {}),
      dg11: file(11),
      dg12: file(12),
      dg14: file(14),
    },
    chip: {
      can: citizen.can,
      mrzInformation: mrzInformationFromTd1(citizen.mrz),
      chipAuthenticationKeys: [ca.key],
      trustPoints: [toHex(cv.cvca.certificate)],
      initialDate: cvDate(new Date(`${citizen.document.issueDate}T00:00:00Z`)),
    },
  };
}
