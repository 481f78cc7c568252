/**
 * The CIE IAS suite (`CIE_IAS_<GROUP>_<n>`): every command row of ias/README.md §3 and state-machine
 * row of §10, the SM rules of §4, DAPP and its negatives, the PIN/PUK lifecycle (destructive),
 * signatures, NIS consistency and the personality quirks (both select forms, both GET DATA forms).
 */
import type { SuiteModule } from '../../lib/suite-module.ts';
import { IAS_PLACEHOLDERS, IAS_PRECONDITIONS } from './common.ts';
import { FILE_CASES } from './files.ts';
import { PIN_SIGN_CASES } from './pin-sign.ts';
import { SECURE_CHANNEL_CASES } from './secure-channel.ts';

export const CIE_IAS_SUITE: SuiteModule = {
  id: 'cie-ias',
  title: 'CIE 3.0 IAS-ECC application (ias/README.md)',
  cases: [...FILE_CASES, ...SECURE_CHANNEL_CASES, ...PIN_SIGN_CASES],
  preconditions: IAS_PRECONDITIONS,
  placeholders: IAS_PLACEHOLDERS,
  secrets: (ics) => [
    { ref: 0x81, label: 'PIN', value: ics.secrets?.pin, maxTries: ics.ias?.pinTries ?? 3 },
    { ref: 0x82, label: 'PUK', value: ics.secrets?.puk, maxTries: ics.ias?.pukTries ?? 10 },
  ],
};
