/**
 * Standardized domain parameters (ICAO Doc 9303-11, 8th ed. 2021, §9.5.1 Table 25; emrtd/README.md §2.5
 * table), addressed by the PACEInfo.parameterId / MSE DO 84 value.
 *
 * ```
 *  0 1024-bit MODP, 160-bit subgroup (RFC 5114 §2.1)     12 NIST P-256        16 brainpoolP384r1
 *  1 2048-bit MODP, 224-bit subgroup (RFC 5114 §2.2)     13 brainpoolP256r1   17 brainpoolP512r1
 *  2 2048-bit MODP, 256-bit subgroup (RFC 5114 §2.3)     15 NIST P-384        18 NIST P-521
 * ```
 * Ids 8–11 and 14 (P-192, brainpoolP192r1/P224r1/P320r1, P-224) are standardized too but have no
 * implementation in the pinned crypto libraries; they are reported as unsupported.
 */
import type { AgreementKind } from '../oids.ts';
import { DhDomain, type AgreementDomain } from './agreement-domain.ts';
import { DH_GROUP_0, DH_GROUP_1, DH_GROUP_2 } from './dh-groups.ts';
import { EcDomain, type CurveName } from './ec-domain.ts';

interface StandardEntry {
  readonly kind: AgreementKind;
  readonly name: string;
  readonly build: () => AgreementDomain;
}

const STANDARD: ReadonlyMap<number, StandardEntry> = new Map<number, StandardEntry>([
  [
    0,
    { kind: 'DH', name: DH_GROUP_0.name, build: () => new DhDomain(DH_GROUP_0, DH_GROUP_0.name) },
  ],
  [
    1,
    { kind: 'DH', name: DH_GROUP_1.name, build: () => new DhDomain(DH_GROUP_1, DH_GROUP_1.name) },
  ],
  [
    2,
    { kind: 'DH', name: DH_GROUP_2.name, build: () => new DhDomain(DH_GROUP_2, DH_GROUP_2.name) },
  ],
  ...(
    [
      [12, 'P-256'],
      [13, 'brainpoolP256r1'],
      [15, 'P-384'],
      [16, 'brainpoolP384r1'],
      [17, 'brainpoolP512r1'],
      [18, 'P-521'],
    ] as const
  ).map(([id, curve]): [number, StandardEntry] => [
    id,
    { kind: 'ECDH', name: curve, build: () => new EcDomain(curve as CurveName) },
  ]),
]);

const cache = new Map<number, AgreementDomain>();

/** The domain for a standardized parameter id, or undefined when unknown or unsupported. */
export function standardDomain(parameterId: number): AgreementDomain | undefined {
  const hit = cache.get(parameterId);
  if (hit) return hit;
  const entry = STANDARD.get(parameterId);
  if (!entry) return undefined;
  const domain = entry.build();
  cache.set(parameterId, domain);
  return domain;
}

export function standardDomainKind(parameterId: number): AgreementKind | undefined {
  return STANDARD.get(parameterId)?.kind;
}

export function standardDomainName(parameterId: number): string | undefined {
  return STANDARD.get(parameterId)?.name;
}

export const SUPPORTED_PARAMETER_IDS: readonly number[] = [...STANDARD.keys()];
