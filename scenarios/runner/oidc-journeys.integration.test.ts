/**
 * Catalogue journeys over OpenID Connect: each `oidc-*` journey is its SAML twin with only the
 * protocol switched (`"actors": { "sp": { "protocol": "oidc" } }`; id, title, refs and tags aside),
 * and runs end to end in Chromium against the reference relying party, which the reference IdP's
 * OpenID Provider admits by resolving its trust chain to the bench trust anchor. The SP oracle reads
 * the RP's pages and session URL; the "last answer" oracle reads the authorization response at the
 * RP's redirect URI (1 for a code, else the CIE code of `error_description`), and the artefacts hold
 * the decoded request object and that response.
 *
 * Needs Debian's Chromium (skipped loudly without it; a failure under CIE_REQUIRE_INTEGRATION=1);
 * the desktop reader journey also needs the PKCS#11 module built, NSS's tools and the
 * client-certificate policy (testing/desktop-gate.ts): without them the runner skips that journey
 * with the reason, and this test expects exactly that skip.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogue } from './load.ts';
import { runScenarios } from './run.ts';
import { browserGate } from './testing/browser-gate.ts';
import { desktopGate } from './testing/desktop-gate.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-runner-oidc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = catalogue();
const oidc = all.filter((s) => s.actors.sp.protocol === 'oidc');
const desktop = await desktopGate('the desktop journey of oidc-journeys.integration.test.ts');

describe('catalogue journeys over OpenID Connect', () => {
  it('six journeys, each its SAML twin with only the protocol switched', () => {
    expect(oidc.map((s) => s.id).sort()).toEqual([
      'oidc-cancel-on-idp',
      'oidc-consent-refused',
      'oidc-desktop-reader-login',
      'oidc-hybrid-login',
      'oidc-phone-login',
      'oidc-revoked-card',
    ]);
    for (const s of oidc) {
      const twin = all.find((t) => t.id === s.id.replace(/^oidc-/, ''));
      expect(twin, s.id).toBeDefined();
      expect(twin!.actors.sp.protocol).toBe('saml');
      expect({ ...s.actors, sp: { ...s.actors.sp, protocol: 'saml' } }).toEqual(twin!.actors);
      expect(s.steps).toEqual(twin!.steps);
      expect(s.oracle).toEqual(twin!.oracle);
      expect(s.pending).toEqual(twin!.pending);
      expect(s.knownDefects).toEqual(twin!.knownDefects);
    }
  });

  if (!browserGate('scenarios/runner/oidc-journeys.integration.test.ts')) return;

  it('run against the reference RP: each passes, or is pending exactly when its SAML twin is (none is)', async () => {
    const report = join(dir, 'report');
    const r = await runScenarios(oidc, {
      reportDir: report,
      headed: false,
      showSecrets: false,
      overrides: {},
      external: {},
    });
    // A journey pending over SAML is pending over OpenID Connect too (none is now); every other
    // one passes — the desktop one when this machine has what it needs, else the runner skips it.
    const verdicts = Object.fromEntries(r.journeys.map((j) => [j.id, j.verdict]));
    // On a mismatch, say why each journey that did not pass ended as it did.
    const why = r.journeys
      .filter((j) => j.verdict !== 'passed')
      .map((j) => `${j.id}: ${j.verdict} — ${j.reason ?? '(no reason)'}`)
      .join('\n');
    const expected = (id: string, pending: string | undefined): string =>
      pending || (id === 'oidc-desktop-reader-login' && !desktop.ok) ? 'skipped' : 'passed';
    expect(verdicts, why).toEqual(
      Object.fromEntries(oidc.map((s) => [s.id, expected(s.id, s.pending)])),
    );
    expect(oidc.filter((s) => s.pending)).toEqual([]);
    expect(Object.values(verdicts).filter((v) => v === 'passed').length).toBeGreaterThanOrEqual(
      desktop.ok ? 6 : 5,
    );
    const refused = r.journeys.find((j) => j.id === 'oidc-consent-refused')!;
    expect(refused.oracle).toContainEqual(
      expect.objectContaining({
        what: 'OIDC authorization response (last)',
        actual: '22',
        ok: true,
      }),
    );
    expect(refused.saml.map((m) => m.kind)).toEqual(['AuthnRequest', 'Response']);
    const request = JSON.parse(refused.saml[0]!.xml) as Record<string, unknown>;
    expect(request['code_challenge_method']).toBe('S256');
    expect(String(request['state']).length).toBeGreaterThanOrEqual(32);
    const response = JSON.parse(refused.saml[1]!.xml) as Record<string, string>;
    expect(response['error']).toBe('access_denied');
    expect(response['state']).toBe(request['state']);
    // The artefacts on disk: the same two messages beside the screenshots.
    const journeyDir = join(
      report,
      'journeys',
      readdirSync(join(report, 'journeys')).find((d) => d.includes('consent-refused'))!,
    );
    const saved = readdirSync(journeyDir).filter((f) => f.startsWith('saml-'));
    expect(saved).toHaveLength(2);
    expect(readFileSync(join(journeyDir, saved[1]!), 'utf8')).toContain('ErrorCode nr22');
  }, 600_000);
});
