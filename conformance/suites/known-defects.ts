/**
 * Emulator defects the conformance suite has found and reported, by case id. They stay listed
 * only until fixed: the in-process conformance test asserts that each of these cases still fails
 * (so a fix makes that test fail until the entry is removed) and that nothing else does.
 */
const COMPOSITE_PACE = 'composite CIE (IAS root + eMRTD module): a command handled by the IAS table at MF level between two GENERAL AUTHENTICATE steps does not reset the PACE state, because emulator/src/profiles/cie-card.ts only adds the eMRTD MF entries the IAS table lacks; the standalone eMRTD card passes this case';

export const KNOWN_DEFECTS: ReadonlyMap<string, string> = new Map([
  ['ISO7816_P_58', COMPOSITE_PACE],
  ['ISO7816_P_59', COMPOSITE_PACE],
  ['ISO7816_P_60', COMPOSITE_PACE],
]);
