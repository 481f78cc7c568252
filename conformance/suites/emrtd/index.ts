/**
 * The eMRTD suite, by ICAO Part 3 v3.2 category (ISO7816_A, B, C, D, E, I, O, P, Q, T, U and
 * LDS_A, B, C, D, E, I, K, N, O) plus the TR-03105 Part 3.2 Terminal Authentication unit (J) that
 * applies to EAC v1. A case with an ICAO id tests that case's purpose with its APDUs, as the public
 * transcription of the matrix gives them (conformance/icao-part3/); `CIE_EMRTD_<GROUP>_<n>` are the
 * project's own checks with their source. What the suite does not implement (Active
 * Authentication, EF.CardSecurity, PACE-CAM/IM, the elliptic-curve-only cases, ISO/IEC 39794) is
 * listed with its reason in conformance/icao-part3/exclusions.ts; `conformance list --coverage`
 * shows the coverage per category.
 */
import type { SuiteModule } from '../../lib/suite-module.ts';
import { ACCESS_CASES } from './access.ts';
import { BAC_CASES } from './bac.ts';
import { CHIP_AUTH_CASES } from './chip-auth.ts';
import { EMRTD_PLACEHOLDERS, EMRTD_PRECONDITIONS } from './common.ts';
import { LDS_COM_DG1_DG2_CASES } from './lds-com-dg1-dg2.ts';
import { LDS_SECURITY_CASES } from './lds-security.ts';
import { LDS_TEXT_CASES } from './lds-text.ts';
import { PACE_CASES } from './pace.ts';
import { READ_CASES } from './read.ts';
import { TERMINAL_AUTH_CASES } from './terminal-auth.ts';

export const EMRTD_SUITE: SuiteModule = {
  id: 'emrtd',
  title: 'eMRTD application (ICAO 9303; ICAO Part 3 ids, TR-03105-3.2 J)',
  cases: [
    ...ACCESS_CASES,
    ...READ_CASES,
    ...BAC_CASES,
    ...CHIP_AUTH_CASES,
    ...TERMINAL_AUTH_CASES,
    ...PACE_CASES,
    ...LDS_COM_DG1_DG2_CASES,
    ...LDS_SECURITY_CASES,
    ...LDS_TEXT_CASES,
  ],
  preconditions: EMRTD_PRECONDITIONS,
  placeholders: EMRTD_PLACEHOLDERS,
};
