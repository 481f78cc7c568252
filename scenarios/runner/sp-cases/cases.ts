/** SP response cases (placeholder while the runner is built). */
export interface SpCase {
  readonly id: string;
  readonly title: string;
  readonly expect: string;
}
export const SP_CASES: readonly SpCase[] = [];
