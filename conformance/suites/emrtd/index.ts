/**
 * The eMRTD suite, by ICAO Part 3 v3.2 category (ISO7816_A, B, C, D, E, I, O, P, Q, T, U and
 * LDS_A, B, C, D, E, I, N, O) plus the TR-03105 Part 3.2 Terminal Authentication unit (J) that
 * applies to EAC v1. Ids are ICAO's where the public transcription names the case (emrtd/README.md §4.2);
 * `CIE_EMRTD_<GROUP>_<n>` are CIE-specific checks with their source. Categories R (Active
 * Authentication), S (EF.CardSecurity) and the AES/ECDH variants of I are not implemented: the CIE
 * has none of them (emrtd/README.md §1.2, §4.2) — see conformance/README.md.
 */
import type { SuiteModule } from '../../lib/suite-module.ts';
import { ACCESS_CASES } from './access.ts';
import { BAC_EAC_CASES } from './bac-eac.ts';
import { EMRTD_PLACEHOLDERS, EMRTD_PRECONDITIONS } from './common.ts';
import { LDS_CASES } from './lds.ts';
import { PACE_CASES } from './pace.ts';

export const EMRTD_SUITE: SuiteModule = {
  id: 'emrtd',
  title: 'eMRTD application (ICAO 9303; ICAO Part 3 ids, TR-03105-3.2 J)',
  cases: [...ACCESS_CASES, ...BAC_EAC_CASES, ...PACE_CASES, ...LDS_CASES],
  preconditions: EMRTD_PRECONDITIONS,
  placeholders: EMRTD_PLACEHOLDERS,
};
