/**
 * The screenshot after a step. A capture can fail for a passing reason — the page is between two
 * documents after a form post, or a loaded machine keeps the compositor busy past the timeout — so
 * it is tried again once the page has loaded; when it still fails, the step's report says why
 * instead of silently having no picture.
 */
import { STEP_TIMEOUT_MS } from './pages.ts';

/** What this needs of a Playwright page. */
export interface ScreenshotPage {
  screenshot(o: { type: 'jpeg'; quality: number; path: string; timeout: number }): Promise<unknown>;
  waitForLoadState(state: 'load', o: { timeout: number }): Promise<void>;
}

export interface Capture {
  /** `path` when the screenshot was written. */
  readonly path?: string;
  /** Why there is none. */
  readonly note?: string;
}

const firstLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/** Writes a JPEG of the page to `path`: tried twice, the second time after the page has loaded. */
export async function captureScreenshot(page: ScreenshotPage, path: string): Promise<Capture> {
  const shoot = (): Promise<unknown> =>
    page.screenshot({ type: 'jpeg', quality: 55, path, timeout: STEP_TIMEOUT_MS });
  try {
    await shoot();
    return { path };
  } catch (first) {
    try {
      await page.waitForLoadState('load', { timeout: STEP_TIMEOUT_MS });
      await shoot();
      return { path };
    } catch (second) {
      return {
        note: `no screenshot after this step: ${firstLine(second)} (first try: ${firstLine(first)})`,
      };
    }
  }
}
