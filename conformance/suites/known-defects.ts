/**
 * Emulator defects the conformance suite has found and reported, by case id. They stay listed
 * only until fixed: the in-process conformance test asserts that each of these cases still fails
 * (so a fix makes that test fail until the entry is removed) and that nothing else does.
 */
export const KNOWN_DEFECTS: ReadonlyMap<string, string> = new Map<string, string>([
  // Fixed: ISO7816_P_59..P_61 (then numbered P_58..P_60; an IAS command at MF level between two
  // GENERAL AUTHENTICATE steps did not reset PACE). PACE now notices an interleaved command by its
  // command number when its next step arrives (EmrtdState.pace), whatever application ran it.
]);
