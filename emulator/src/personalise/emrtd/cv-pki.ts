/**
 * The synthetic TEST EAC PKI for Terminal Authentication v1 (BSI TR-03110 v1.11 Annex C; emrtd/README.md
 * §2.7, §6 item 5), derived deterministically from a seed:
 *
 * ```
 * CVCA  ITCIEBCVCA00001  (role CVCA, rights DG3+DG4; trust point stored in the chip, CAR in EF.CVCA)
 *  └── DV  ITCIEBDV00001        (domestic DV, rights DG3+DG4)
 *       ├── IS  ITCIEBIS00001   (inspection system, rights DG3+DG4)
 *       └── IS  ITCIEBIS00002   (inspection system without DG3/DG4 rights)
 * ```
 * Keys are ECDSA on brainpoolP256r1 by default, signatures id-TA-ECDSA-SHA-256. Validity dates are
 * constants (2020-01-01 … 2045-12-31) so the same seed gives the same bytes; `issueCvCertificate`
 * makes certificates with other dates (effective-date tests, link certificates).
 */
import { randomBelow, seededRng } from '../../crypto/rng.ts';
import type { CurveName } from '../../protocols/domain/ec-domain.ts';
import { ID_IS, ID_TA_ECDSA_SHA_256 } from '../../protocols/oids.ts';
import {
  encodeCvBody,
  encodeCvCertificate,
  parseCvCertificate,
  RIGHT_READ_DG3,
  RIGHT_READ_DG4,
  ROLE_CVCA,
  ROLE_DV_DOMESTIC,
  ROLE_IS,
  type CvCertificate,
} from '../../protocols/terminal-auth/cv-certificate.ts';
import { curveParams, ecPublicKey, taSign } from '../../protocols/terminal-auth/cv-signature.ts';
import { CURVES } from '../../protocols/domain/ec-domain.ts';

export interface CvHolder {
  readonly chr: string;
  readonly curve: CurveName;
  readonly algorithmOid: string;
  readonly privateKey: bigint;
  /** 7F21 certificate. */
  readonly certificate: Uint8Array;
  readonly parsed: CvCertificate;
}

export interface CvPki {
  readonly cvca: CvHolder;
  readonly dv: CvHolder;
  readonly is: CvHolder;
  readonly isWithoutRights: CvHolder;
}

export interface CvIssue {
  readonly chr: string;
  readonly role: number;
  readonly rights: number;
  readonly effective: string;
  readonly expiration: string;
  /** Key seed label (deterministic private key). */
  readonly keyLabel: string;
}

export const CV_PKI_DEFAULT_CURVE: CurveName = 'brainpoolP256r1';
export const CV_DATES = { effective: '200101', expiration: '451231' } as const;

function privateKeyFor(curve: CurveName, label: string): bigint {
  const n = CURVES[curve].CURVE().n;
  return randomBelow(seededRng(`ciebench-cv-key|${label}`), n - 1n) + 1n;
}

/** Issues a certificate for `subject`, signed by `issuer` (self-signed when issuer is undefined). */
export function issueCvCertificate(
  issuer: CvHolder | undefined,
  subject: CvIssue,
  curve: CurveName = issuer?.curve ?? CV_PKI_DEFAULT_CURVE,
): CvHolder {
  const privateKey = privateKeyFor(curve, subject.keyLabel);
  const point = ecPublicKey(curve, privateKey);
  const isCvca = (subject.role & 0xc0) === ROLE_CVCA;
  const body = encodeCvBody({
    car: issuer?.chr ?? subject.chr,
    chr: subject.chr,
    publicKey: {
      oid: ID_TA_ECDSA_SHA_256,
      point,
      ...(isCvca ? { params: curveParams(curve) } : {}),
    },
    chatOid: ID_IS,
    chat: subject.role | subject.rights,
    effective: subject.effective,
    expiration: subject.expiration,
  });
  const signerKey = issuer?.privateKey ?? privateKey;
  const certificate = encodeCvCertificate(
    body,
    taSign(curve, ID_TA_ECDSA_SHA_256, signerKey, body),
  );
  return {
    chr: subject.chr,
    curve,
    algorithmOid: ID_TA_ECDSA_SHA_256,
    privateKey,
    certificate,
    parsed: parseCvCertificate(certificate),
  };
}

export function generateCvPki(seed: string, curve: CurveName = CV_PKI_DEFAULT_CURVE): CvPki {
  const all = RIGHT_READ_DG3 | RIGHT_READ_DG4;
  const cvca = issueCvCertificate(
    undefined,
    { chr: 'ITCIEBCVCA00001', role: ROLE_CVCA, rights: all, ...CV_DATES, keyLabel: `${seed}|cvca` },
    curve,
  );
  const dv = issueCvCertificate(cvca, {
    chr: 'ITCIEBDV00001',
    role: ROLE_DV_DOMESTIC,
    rights: all,
    ...CV_DATES,
    keyLabel: `${seed}|dv`,
  });
  const is = issueCvCertificate(dv, {
    chr: 'ITCIEBIS00001',
    role: ROLE_IS,
    rights: all,
    ...CV_DATES,
    keyLabel: `${seed}|is`,
  });
  const isWithoutRights = issueCvCertificate(dv, {
    chr: 'ITCIEBIS00002',
    role: ROLE_IS,
    rights: 0,
    ...CV_DATES,
    keyLabel: `${seed}|is-no-rights`,
  });
  return { cvca, dv, is, isWithoutRights };
}

/**
 * A CVCA key rollover (TR-03110 v1.11 §2.2 "CVCA link certificates"; ICAO Part 3 ISO7816_I_30
 * "mechanism migration"): the new CVCA `ITCIEBCVCA00002` certified by the current one (the link
 * certificate), a DV and an IS under the new CVCA. Sending the three certificates updates the
 * chip's trust points.
 */
export interface CvLinkChain {
  readonly link: CvHolder;
  readonly dv: CvHolder;
  readonly is: CvHolder;
}

export function generateCvLinkChain(pki: CvPki, seed: string): CvLinkChain {
  const all = RIGHT_READ_DG3 | RIGHT_READ_DG4;
  const link = issueCvCertificate(pki.cvca, {
    chr: 'ITCIEBCVCA00002',
    role: ROLE_CVCA,
    rights: all,
    ...CV_DATES,
    keyLabel: `${seed}|cvca-2`,
  });
  const dv = issueCvCertificate(link, {
    chr: 'ITCIEBDV00002',
    role: ROLE_DV_DOMESTIC,
    rights: all,
    ...CV_DATES,
    keyLabel: `${seed}|dv-2`,
  });
  const is = issueCvCertificate(dv, {
    chr: 'ITCIEBIS00003',
    role: ROLE_IS,
    rights: all,
    ...CV_DATES,
    keyLabel: `${seed}|is-3`,
  });
  return { link, dv, is };
}
