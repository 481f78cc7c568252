/**
 * step-screenshot.ts: a failed capture is retried once after the page has loaded, and a capture
 * that fails twice leaves the reason in the step's report instead of nothing.
 */
import { describe, expect, it } from 'vitest';
import { captureScreenshot, type ScreenshotPage } from './step-screenshot.ts';

/** A page whose n-th screenshot call fails when `fails[n]` says so; records what was called. */
function fakePage(fails: boolean[], loadFails = false): ScreenshotPage & { calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  return {
    calls,
    screenshot: (o) => {
      calls.push(`screenshot ${o.path}`);
      return fails[n++]
        ? Promise.reject(new Error(`page.screenshot: Timeout exceeded\ncall log: …`))
        : Promise.resolve(Buffer.alloc(0));
    },
    waitForLoadState: () => {
      calls.push('waitForLoadState');
      return loadFails ? Promise.reject(new Error('Target page closed')) : Promise.resolve();
    },
  };
}

describe('screenshot after a step', () => {
  it('is taken once when it works', async () => {
    const page = fakePage([false]);
    expect(await captureScreenshot(page, '/r/01.jpg')).toEqual({ path: '/r/01.jpg' });
    expect(page.calls).toEqual(['screenshot /r/01.jpg']);
  });

  it('is tried again after the page has loaded when the first try fails', async () => {
    const page = fakePage([true, false]);
    expect(await captureScreenshot(page, '/r/02.jpg')).toEqual({ path: '/r/02.jpg' });
    expect(page.calls).toEqual([
      'screenshot /r/02.jpg',
      'waitForLoadState',
      'screenshot /r/02.jpg',
    ]);
  });

  it('says why there is none when both tries fail, or the page never loads', async () => {
    const twice = await captureScreenshot(fakePage([true, true]), '/r/03.jpg');
    expect(twice.path).toBeUndefined();
    expect(twice.note).toBe(
      'no screenshot after this step: page.screenshot: Timeout exceeded (first try: page.screenshot: Timeout exceeded)',
    );
    const closed = fakePage([true], true);
    const r = await captureScreenshot(closed, '/r/04.jpg');
    expect(r.note).toBe(
      'no screenshot after this step: Target page closed (first try: page.screenshot: Timeout exceeded)',
    );
    expect(closed.calls).toEqual(['screenshot /r/04.jpg', 'waitForLoadState']);
  });
});
