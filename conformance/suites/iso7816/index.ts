/**
 * The ISO/IEC 7816-4 generic suite (`ISO7816_GEN_<n>`): CLA/INS/P1-P2/length errors, SELECT
 * forms and templates, READ BINARY even/odd/SFI and EOF, READ RECORD, response lengths, chaining,
 * GET CHALLENGE, and secure-messaging rules. Numbering leaves gaps per topic (as ICAO Part 3 does)
 * so cases can be added without renumbering.
 */
import type { SuiteModule } from '../../lib/suite-module.ts';
import { ISO_PLACEHOLDERS, ISO_PRECONDITIONS } from './common.ts';
import { HEADER_CASES } from './headers.ts';
import { READ_BINARY_CASES } from './read-binary.ts';
import { SM_ABORT_CASES, SM_CASES } from './secure-messaging.ts';
import { SELECT_CASES } from './select.ts';
import { TRANSMISSION_CASES } from './transmission.ts';

export const ISO7816_SUITE: SuiteModule = {
  id: 'iso7816',
  title: 'ISO/IEC 7816-4 generic behaviour',
  cases: [
    ...HEADER_CASES,
    ...SELECT_CASES,
    ...READ_BINARY_CASES,
    ...TRANSMISSION_CASES,
    ...SM_CASES,
    ...SM_ABORT_CASES,
  ],
  preconditions: ISO_PRECONDITIONS,
  placeholders: ISO_PLACEHOLDERS,
};
