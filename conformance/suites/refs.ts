/**
 * The documents cases cite, spelled once. Every case carries at least one {@link Reference}
 * (document + clause); reports print them next to the verdict.
 */
import type { Reference } from '../lib/model.ts';

export const DOC_ISO4 = 'ISO/IEC 7816-4:2020';
export const DOC_ISO3 = 'ISO/IEC 7816-3:2006';
export const DOC_ICAO_P3 = 'ICAO RF Protocol and Application Test Standard for eMRTD Part 3 v3.2';
export const DOC_ICAO_10 = 'ICAO Doc 9303-10 (8th ed. 2021)';
export const DOC_ICAO_11 = 'ICAO Doc 9303-11 (8th ed. 2021)';
export const DOC_TR03105 = 'BSI TR-03105 Part 3.2';
export const DOC_TR03110 = 'BSI TR-03110 (v1.11 EAC1 / v2 Parts 2-3)';
export const DOC_CIE_IAS =
  'emulator/src/applications/ias/README.md (CIE 3.0 IAS-ECC application: facts and their public sources)';
export const DOC_EMRTD =
  'emulator/src/applications/emrtd/README.md (CIE 3.0 eMRTD application: facts and their public sources)';

export const iso4 = (clause: string): Reference => ({ doc: DOC_ISO4, clause });
export const iso3 = (clause: string): Reference => ({ doc: DOC_ISO3, clause });
export const icaoP3 = (clause: string): Reference => ({ doc: DOC_ICAO_P3, clause });
export const icao10 = (clause: string): Reference => ({ doc: DOC_ICAO_10, clause });
export const icao11 = (clause: string): Reference => ({ doc: DOC_ICAO_11, clause });
export const tr03105 = (clause: string): Reference => ({ doc: DOC_TR03105, clause });
export const tr03110 = (clause: string): Reference => ({ doc: DOC_TR03110, clause });
export const cieIas = (clause: string): Reference => ({ doc: DOC_CIE_IAS, clause });
export const emrtd = (clause: string): Reference => ({ doc: DOC_EMRTD, clause });

/** ISO/IEC 7816-4:2020 §5.6 Table 6 (the status-word table every negative case cites). */
export const SW_TABLE: Reference = iso4('§5.6 Table 6');
