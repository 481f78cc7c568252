/**
 * Test support: the SP response cases about signatures, named once for the tests that use them
 * (the cases' own unit test, which has an independent SP library refuse them, and the planted
 * defect test, where an SP that skips a signature check is caught by one of them).
 */

/**
 * The wrapping cases (XML Signature Wrapping 1–8 and a second Assertion): each keeps the IdP's
 * genuine signature and adds the evil citizen.
 */
export const WRAPPING_CASES: readonly string[] = [
  'xsw1',
  'xsw2',
  'xsw3',
  'xsw4',
  'xsw5',
  'xsw6',
  'xsw7',
  'xsw8',
  'two-assertions',
];

/**
 * Every case an SP that requires signed Responses and Assertions must refuse on signatures alone:
 * a signature missing, by another key or broken by an edit, and the wrapping cases.
 */
export const SIGNATURE_CASES: readonly string[] = [
  'response-unsigned',
  'assertion-unsigned',
  'signed-by-other-key',
  'assertion-tampered',
  ...WRAPPING_CASES,
];
