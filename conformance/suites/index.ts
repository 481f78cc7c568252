/**
 * Every suite the bench knows. The CIE IAS and eMRTD suites join this list from their folders.
 */
import type { SuiteModule } from '../lib/suite-module.ts';
import { CIE_IAS_SUITE } from './cie-ias/index.ts';
import { EMRTD_SUITE } from './emrtd/index.ts';
import { ISO7816_SUITE } from './iso7816/index.ts';

export const ALL_SUITES: readonly SuiteModule[] = [ISO7816_SUITE, CIE_IAS_SUITE, EMRTD_SUITE];
