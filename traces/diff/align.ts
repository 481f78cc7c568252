/**
 * Sequence alignment of two lists of normalised commands: the longest common subsequence of the
 * alignment keys (a Needleman–Wunsch alignment that scores only exact matches), so an inserted or
 * missing exchange — an extra GET RESPONSE, a retry, a command one client sends and the other
 * does not — shifts nothing after it. Ties prefer pairing early, giving stable reports.
 */

export type Step =
  | { readonly a: number; readonly b: number }
  | { readonly a: number; readonly b?: undefined }
  | { readonly a?: undefined; readonly b: number };

export function align(a: readonly string[], b: readonly string[]): Step[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..] and b[j..], in one typed array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * w + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j] && lcs[i * w + j] === (lcs[(i + 1) * w + j + 1] as number) + 1)
      steps.push({ a: i++, b: j++ });
    else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number))
      steps.push({ a: i++ });
    else steps.push({ b: j++ });
  }
  while (i < n) steps.push({ a: i++ });
  while (j < m) steps.push({ b: j++ });
  return steps;
}
