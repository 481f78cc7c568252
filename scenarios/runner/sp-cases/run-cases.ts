/**
 * Runs SP response cases through a real browser: the SP's own "Entra con CIE" button sends the
 * browser to the IdP with a real AuthnRequest; the runner answers *for the IdP* (Playwright route
 * on the IdP's SSO URLs) with the case's Response to that request, signed with the IdP's key, in
 * the HTTP-POST binding's auto-submitting form; the browser posts it to the SP's ACS with the SP's
 * RelayState and cookies, exactly as after a real login. The verdict is then read from the SP:
 * the page it shows (its session page, its error page with the CIE code, or a refusal) and, above
 * all, whether the browser now holds a session (the SP's session URL in the same browser).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { HostError } from '../../../emulator/src/host-error.ts';
import { join, relative } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { spSigningMaterial } from '../../sp/keys.ts';
import type { StandInIdp } from '../../sp/stand-in/stand-in-idp.ts';
import type { SpHandle } from '../actors/sp.ts';
import { RunEnvironment, type ExternalActors } from '../environment.ts';
import type { SpActor } from '../model.ts';
import type { SpDefect } from '../../sp/config.ts';
import { REFERENCE_PAGES } from '../actors/idp.ts';
import { currentPageId, pageText, STEP_TIMEOUT_MS } from '../pages.ts';
import type { SpCaseResult, Verdict } from '../results.ts';
import { craft } from './craft.ts';
import { SP_CASES, type SpCase } from './cases.ts';
import { EVIL } from './xsw.ts';
import { knownFinding } from './findings.ts';

export interface SpCaseRunOptions {
  readonly sp: SpActor['kind'];
  /** Reference SP only: checks it is built without (a planted defect). */
  readonly spDefects?: readonly SpDefect[];
  readonly reportDir: string;
  readonly headed: boolean;
  readonly external: ExternalActors;
  readonly onResult?: (r: SpCaseResult) => void;
}

interface CapturedRequest {
  readonly id: string;
  readonly acsUrl: string;
  readonly relayState: string | undefined;
}

function decodeRequest(url: string, postData: string | null): CapturedRequest | undefined {
  const u = new URL(url);
  const form = postData ? new URLSearchParams(postData) : undefined;
  const raw = u.searchParams.get('SAMLRequest') ?? form?.get('SAMLRequest');
  if (!raw) return undefined;
  const bytes = Buffer.from(raw, 'base64');
  const xml = (u.searchParams.has('SAMLRequest') ? inflateRawSync(bytes) : bytes).toString('utf8');
  const id = /<(?:\w+:)?AuthnRequest\b[^>]*\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) return undefined;
  const acsUrl = /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1];
  const relay = u.searchParams.get('RelayState') ?? form?.get('RelayState') ?? undefined;
  return { id, acsUrl: acsUrl ?? '', relayState: relay };
}

function postForm(acsUrl: string, response: string, relayState: string | undefined): string {
  const esc = (s: string): string =>
    s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return (
    `<!DOCTYPE html><html><body><form id="saml" method="post" action="${esc(acsUrl)}">` +
    `<input type="hidden" name="SAMLResponse" value="${Buffer.from(response, 'utf8').toString('base64')}">` +
    (relayState === undefined
      ? ''
      : `<input type="hidden" name="RelayState" value="${esc(relayState)}">`) +
    `</form><script>document.getElementById('saml').submit();</script></body></html>`
  );
}

/** What the SP did with the Response, as the browser sees it. */
interface Observation {
  readonly session: boolean;
  readonly asEvil: boolean;
  readonly page: string;
  readonly shownCode?: number;
  readonly httpStatus: number;
  readonly text: string;
}

/** The SP's answer as the browser shows it, then whether the browser holds a session there. */
async function observe(
  page: Page,
  sp: SpHandle,
  acsStatus: number,
  shot: string,
): Promise<Observation> {
  const id = await currentPageId(page, { idp: REFERENCE_PAGES, sp: sp.pages });
  const text = (await pageText(page)).slice(0, 400);
  const code =
    /ErrorCode nr(\d{2})/.exec(text)?.[1] ??
    (await page
      .locator('#sp-error-code')
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => null)) ??
    undefined;
  await page.screenshot({ type: 'jpeg', quality: 50, path: shot }).catch(() => undefined);
  // The session URL in the same tab: the browser's cookies decide, not the page just shown.
  const r = await page.goto(sp.sessionUrl, { timeout: STEP_TIMEOUT_MS });
  const content = await page.content();
  const session = r?.status() === 200 && new RegExp(sp.pages.sessionPattern).test(content);
  return {
    session,
    // Whose session: a wrapped Assertion's citizen means the signature wrapping worked.
    asEvil: session && content.includes(EVIL.fiscalNumber),
    page: id,
    ...(code && /^\d+$/.test(code.trim()) ? { shownCode: Number(code.trim()) } : {}),
    httpStatus: acsStatus,
    text: text.replace(/\s+/g, ' ').trim(),
  };
}

function describe(o: Observation): string {
  if (o.session)
    return `session opened${o.asEvil ? ' for the wrapped (evil) citizen' : ''} (page ${o.page})`;
  if (o.page === 'sp-error')
    return `error page${o.shownCode !== undefined ? ` showing code ${o.shownCode}` : ' (no CIE code shown)'}`;
  return `refused (ACS HTTP ${o.httpStatus}, page ${o.page})`;
}

function judge(c: SpCase, o: Observation): { ok: boolean; expected: string } {
  switch (c.expect) {
    case 'session':
      return { ok: o.session, expected: 'session opened' };
    case 'no-session':
      return { ok: !o.session, expected: 'no session (refused or error page)' };
    case 'error-page':
      return {
        ok: !o.session && o.page === 'sp-error' && o.shownCode === c.errorCode,
        expected: `error page showing code ${c.errorCode}, no session`,
      };
  }
}

/** One browser context per SP run; cookies are cleared between cases. */
interface CaseBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  captured: CapturedRequest | undefined;
}

async function runCase(
  env: RunEnvironment,
  b: CaseBrowser,
  c: SpCase,
  idp: StandInIdp,
  dir: string,
  reportDir: string,
): Promise<SpCaseResult> {
  const t0 = performance.now();
  const sp = env.sp;
  const ref = env.idp.reference;
  const name = `sp-response.${c.id} [sp=${sp.kind}]`;
  const base = { id: c.id, title: c.title, refs: c.refs, sp: sp.kind, name };
  if (!ref) throw new Error('SP response cases answer for the reference IdP');
  const page = b.page;
  const logBefore = sp.outcomes?.().length ?? 0;
  let responseXml: string | undefined;
  try {
    await b.context.clearCookies();
    b.captured = undefined;
    await page.goto(sp.homeUrl, { timeout: STEP_TIMEOUT_MS });
    await page.click(sp.pages.login, { timeout: STEP_TIMEOUT_MS });
    await page.waitForURL((u) => u.origin === new URL(ref.urls.base).origin, {
      timeout: STEP_TIMEOUT_MS,
    });
    await page.waitForLoadState('load', { timeout: STEP_TIMEOUT_MS });
    const req = b.captured as CapturedRequest | undefined;
    if (!req) throw new Error('the browser carried no AuthnRequest to the IdP');
    responseXml = craft(c.plan, {
      idp,
      other: spSigningMaterial('sp-cases-attacker', 'attacker.invalid'),
      request: { id: req.id, acsUrl: req.acsUrl || sp.acsUrl },
      spEntityId: sp.entityId,
      now: new Date(),
    });
    // The Response leaves from the IdP's page, as the IdP's own HTTP-POST form would send it.
    const acs = page.waitForResponse(
      (r) => r.url().startsWith(sp.acsUrl) && r.request().method() === 'POST',
      { timeout: STEP_TIMEOUT_MS },
    );
    await page.setContent(postForm(sp.acsUrl, responseXml, req.relayState), {
      waitUntil: 'commit',
    });
    const acsStatus = (await acs).status();
    await page.waitForLoadState('load', { timeout: STEP_TIMEOUT_MS });
    const shot = join(dir, `${c.id}.jpg`);
    const o = await observe(page, sp, acsStatus, shot);
    writeFileSync(join(dir, `${c.id}.response.xml`), responseXml ?? '');
    const { ok, expected } = judge(c, o);
    const problems = sp.outcomes?.().slice(logBefore).at(-1);
    const detail =
      `${o.text.slice(0, 200)}` +
      (problems?.kind === 'rejected' ? ` | reference SP: ${problems.problems.join('; ')}` : '');
    const observed = describe(o);
    const finding = knownFinding(sp.kind, c.id);
    let verdict: Verdict = ok ? 'passed' : 'failed';
    let reason = ok ? undefined : `expected ${expected}, observed ${observed}`;
    if (finding) {
      if (ok) {
        verdict = 'failed';
        reason = `a known finding is listed (${finding.reason}) but the SP now behaves as expected: remove the entry`;
      } else if (o.session === finding.session) {
        verdict = 'skipped';
        reason = `known finding: ${finding.reason} — ${reason}`;
      }
    }
    return {
      ...base,
      expected,
      observed,
      verdict,
      ...(reason ? { reason } : {}),
      durationMs: Math.round(performance.now() - t0),
      screenshot: relative(reportDir, shot),
      detail,
      responseFile: relative(reportDir, join(dir, `${c.id}.response.xml`)),
    };
  } catch (e) {
    return {
      ...base,
      expected: c.expect,
      observed: 'the case did not complete',
      verdict: 'error',
      reason: (e as Error).message.split('\n')[0] ?? 'error',
      durationMs: Math.round(performance.now() - t0),
      detail: sp.logs ? sp.logs().slice(-400) : '',
    };
  }
}

/** Runs the cases `ids` against one SP (a fresh environment: reference IdP key, SP, browser). */
export async function runSpCases(
  ids: readonly string[],
  o: SpCaseRunOptions,
): Promise<{ results: SpCaseResult[]; environment: Record<string, string> }> {
  const cases = SP_CASES.filter((c) => ids.includes(c.id));
  const spec = {
    idp: { kind: 'reference' as const, mode: 'bench' as const, defects: [] },
    sp: {
      kind: o.sp,
      protocol: 'saml' as const,
      binding: 'redirect' as const,
      defects: [...(o.spDefects ?? [])],
    },
  };
  let env: RunEnvironment;
  try {
    env = await RunEnvironment.start(spec, { headed: o.headed, external: o.external });
  } catch (e) {
    if (!(e instanceof HostError) || e.kind !== 'environment') throw e;
    const reason = `environment: ${e.message}`;
    const results = cases.map((c) => ({
      id: c.id,
      title: c.title,
      refs: c.refs,
      sp: o.sp,
      name: `sp-response.${c.id} [sp=${o.sp}]`,
      expected: c.expect,
      observed: 'not run',
      verdict: 'error' as const,
      reason,
      durationMs: 0,
      detail: '',
    }));
    for (const r of results) o.onResult?.(r);
    return { results, environment: {} };
  }
  const dir = join(
    o.reportDir,
    'sp-cases',
    `${o.sp}${o.spDefects?.length ? `-without-${o.spDefects.join('-')}` : ''}`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const key = env.idp.reference?.context.signingKey;
  const idp: StandInIdp = {
    entityId: env.idp.entityId,
    signing: { keyPem: key?.privateKeyPem ?? '', certPem: key?.certificatePem ?? '' },
    metadataXml: env.idp.metadataXml,
  };
  const results: SpCaseResult[] = [];
  const context = await env.browser.newJourneyContext({
    device: 'desktop',
    harPath: join(dir, 'browser.har'),
  });
  const b: CaseBrowser = { context, page: await context.newPage(), captured: undefined };
  // The browser reaches the IdP with the SP's real AuthnRequest (the IdP checks it and shows its
  // first page); the runner reads the request as the browser sent it.
  const ref = env.idp.reference;
  const sso = ref ? [ref.urls.ssoRedirect, ref.urls.ssoPost] : [];
  context.on('request', (r) => {
    if (!b.captured && sso.some((u) => r.url().startsWith(u)))
      b.captured = decodeRequest(r.url(), r.postData());
  });
  try {
    for (const c of cases) {
      const r = await runCase(env, b, c, idp, dir, o.reportDir);
      results.push(r);
      o.onResult?.(r);
    }
  } finally {
    await context.close().catch(() => undefined);
    await env.close();
  }
  return {
    results,
    environment: {
      [`sp-cases ${o.sp}`]: `${env.idp.description} (its key signs the cases) · ${env.sp.description}`,
    },
  };
}
