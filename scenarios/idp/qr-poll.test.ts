/**
 * The QR page's status poll against a citizen who leaves the page: once a form of the page is
 * submitted ("Annulla", "Genera un nuovo QR Code"), an answer of the poll that arrives while the
 * submission is still on its way (a slow SP, a chain of redirects over OpenID Connect) must not
 * reload the page — `location.reload()` replaces the pending navigation, so the citizen's choice
 * would be lost and the page reloaded over a finished transaction. Found by the OpenID Connect
 * cancel journey failing once in a CI run on a loaded machine.
 *
 * Deterministic: the test server holds the POST until the page has polled after it (or until a
 * bounded wait shows that the page no longer polls), so the race is forced, not hoped for.
 * Skips loudly without Debian's Chromium (a failure under CIE_REQUIRE_INTEGRATION=1).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../harness/browser/chromium.ts';
import { chromiumAvailable } from './browser/chromium.ts';
import { L3_PATH, qrPage } from './pages/l3-pages.ts';

const present = chromiumAvailable('idp qr-poll.test');

/** How long the server holds a POST waiting for a poll: the page polls every 20 ms. */
const HOLD_MS = 1500;

let server: Server;
let base: string;
let browser: Browser;
const seen = { reloads: 0, pollsDuringPost: 0, posts: 0 };
let pollAfterPost: (() => void) | undefined;
let onReload: (() => void) | undefined;

beforeAll(async () => {
  if (!present) return;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/check') {
      // While a POST is held the transaction is over, as the IdP answers after a cancel.
      if (pollAfterPost || seen.posts > 0) {
        seen.pollsDuringPost++;
        pollAfterPost?.();
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ status: 'KO', statusType: 'ERROR_25' }));
      }
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ status: 'WAIT', remainingSeconds: 100 }));
    }
    if (url.pathname === L3_PATH && req.method === 'GET') {
      if (url.searchParams.has('again') && onReload) {
        seen.reloads++;
        onReload();
      }
      res.setHeader('content-type', 'text/html; charset=utf-8');
      return res.end(
        qrPage(
          { keyName: 'value', key: 'k1' },
          {
            svg: '<svg></svg>',
            payload: 'p',
            remainingSeconds: 100,
            pollMs: 20,
            checkUrl: `${base}/check`,
            spName: 'SP di prova',
          },
        ),
      );
    }
    if (url.pathname === L3_PATH && req.method === 'POST') {
      seen.posts++;
      const answer = (): void => {
        pollAfterPost = undefined;
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<!DOCTYPE html><body data-page="fine">posted</body>');
      };
      const held = setTimeout(answer, HOLD_MS);
      // Once: polls already in flight when the form was submitted may arrive after it, several.
      pollAfterPost = () => {
        pollAfterPost = undefined;
        clearTimeout(held);
        // Let the poll's answer reach the page before the POST's answer does.
        setTimeout(answer, 200);
      };
      req.resume();
      return undefined;
    }
    res.statusCode = 404;
    return res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...HEADLESS_CHROMIUM_FLAGS],
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

it.skipIf(!present)(
  'a poll answer during the submission of "Annulla" does not reload the page over it',
  async () => {
    const page = await browser.newPage();
    // The query marks a reload: location.reload() keeps it, the form's POST has none.
    await page.goto(`${base}${L3_PATH}?again=1`);
    const reloaded = new Promise<void>((r) => (onReload = r));
    await page.getByRole('button', { name: 'Annulla', exact: true }).click({ noWaitAfter: true });
    // Whichever comes first: the answer to the POST on screen, or the page reloaded over it.
    await Promise.race([
      page.waitForSelector('body[data-page="fine"]', { timeout: 30_000 }),
      reloaded,
    ]);
    expect(seen.posts).toBe(1);
    expect(seen.reloads).toBe(0);
    expect(await page.locator('body').innerText()).toBe('posted');
    await page.close();
  },
);
