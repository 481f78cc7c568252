/**
 * The catalogue's desktop journeys through the runner — "logging in on a desktop with a reader and
 * the CIE software": `ciebench scenario run desktop-reader-login oidc-desktop-reader-login` starts,
 * per journey, the journey's card in an in-process reader served by the bench daemon behind
 * libciebench-pkcs11.so, and a Chromium of its own whose NSS database holds the module; the
 * browser presents the card's certificate to the IdP's TLS client-authentication listener, the
 * card signs the handshake after the last 4 PIN digits reach the daemon's PIN entry, consent, and
 * the SP (SAML) or RP (OpenID Connect) holds the citizen's session. No pcscd.
 *
 * Then the step's negative, in a journey defined here (the catalogue has none): wrong last 4
 * digits once — the CIE software asks again with "2 tentativi rimasti", the citizen closes it, the
 * browser shows its client-auth error, no Response is sent, the card has 2 PIN tries left.
 *
 * Needs the module built (gcc, make, libpcsclite-dev, libp11-kit-dev), libnss3-tools, Chromium and
 * the client-certificate policy (root installs it for the journey): skipped loudly without them, a
 * failure under CIE_REQUIRE_INTEGRATION=1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli/testing/run-cli.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { wrongDigits } from './journey.ts';
import { parseScenario } from './load.ts';
import type { JourneyResult, RunResult } from './results.ts';
import { runScenarios } from './run.ts';
import { desktopGate } from './testing/desktop-gate.ts';

const FILE = 'scenarios/runner/desktop-journeys.integration.test.ts';
const gate = await desktopGate(FILE);

const dir = mkdtempSync(join(tmpdir(), 'ciebench-runner-desktop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PIN = defaultCardImage().state.pin.value;
const LAST_FOUR = PIN.slice(4);

const step = (j: JourneyResult, what: string) => {
  const s = j.steps.find((x) => x.do === what);
  if (!s) throw new Error(`${j.id}: no step ${what}`);
  return s;
};

describe.skipIf(!gate.ok)('desktop login with a reader through the runner', () => {
  it('desktop-reader-login and its OpenID Connect twin pass end to end; artefacts and masking', async () => {
    const report = join(dir, 'pair');
    const r = await runCli(
      'scenario',
      'run',
      'desktop-reader-login',
      'oidc-desktop-reader-login',
      '--report',
      report,
      '--quiet',
    );
    const run = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as RunResult;
    const why = run.journeys.map((j) => `${j.id}: ${j.verdict} — ${j.reason ?? ''}`).join('\n');
    expect(r.exitCode, `${r.stdout}\n${why}`).toBe(0);
    expect(run.journeys.map((j) => [j.id, j.verdict])).toEqual([
      ['desktop-reader-login', 'passed'],
      ['oidc-desktop-reader-login', 'passed'],
    ]);
    for (const j of run.journeys) {
      expect(j.steps.map((s) => s.do)).toEqual([
        'sp.login',
        'idp.choose',
        'idp.reader-login',
        'idp.consent',
      ]);
      const login = step(j, 'idp.reader-login');
      expect(login.notes).toContain('typed the last 4 PIN digits **** (card)');
      expect(login.notes.join('\n')).not.toContain(LAST_FOUR);
      expect(login.notes.some((n) => n.startsWith('the card signed the TLS handshake'))).toBe(true);
      expect(login.artefacts.page?.id).toBe('consenso');
      // The handshake's APDUs are this step's; the pairing's came before the first step.
      expect(login.artefacts.apdus?.to).toBeGreaterThan(login.artefacts.apdus?.from ?? Infinity);
      for (const s of j.steps)
        expect(existsSync(join(report, s.artefacts.screenshot ?? '-'))).toBe(true);
      // The end state, on the SP and on the card.
      const checks = Object.fromEntries(j.oracle.map((c) => [c.what, c]));
      expect(j.oracle.every((c) => c.ok)).toBe(true);
      expect(checks['SP session (its session URL)']?.actual).toBe('true');
      expect(checks['SP shows fiscalNumber']?.actual).toBe(
        `TINIT-${defaultCardImage().citizen.fiscalCode}`,
      );
      expect(checks['card PIN tries left']?.actual).toBe('3');
      // The card's trace: every APDU of the daemon's sessions, VERIFY's PIN masked.
      const trace = readFileSync(join(report, j.files.trace ?? '-'), 'utf8');
      expect(JSON.parse(trace.split('\n')[0] ?? '{}')).toMatchObject({
        transport: 'in-process',
        secrets: 'masked',
        description: expect.stringContaining("desktop's reader"),
      });
      expect(trace).toContain('"plainCommand":"00200081082A2A2A2A2A2A2A2A"');
      expect(trace).not.toContain(Buffer.from(PIN, 'ascii').toString('hex').toUpperCase());
      const events = readFileSync(join(report, j.files.middlewareEvents ?? '-'), 'utf8');
      expect(events).toContain('"type":"signature"');
      expect(events).not.toContain(LAST_FOUR);
    }
    expect(
      run.journeys.find((j) => j.id === 'desktop-reader-login')?.saml.map((m) => m.kind),
    ).toEqual(['AuthnRequest', 'Response']);
  }, 300_000);

  it('wrong last 4 digits once: asked again with 2 tries left, closed; client-auth error, no Response, 2 tries on the card', async () => {
    const wrong = parseScenario(
      {
        id: 'desktop-reader-wrong-last-four',
        title:
          'Desktop login with a reader, wrong last 4 PIN digits once, the second prompt closed',
        refs: ['italia/cie-middleware:CSP/PKCS11/CIEP11Template.cpp (the last 4 PIN digits)'],
        steps: [
          { do: 'sp.login', expect: { page: 'scelta' } },
          { do: 'idp.choose', option: 'computer', expect: { page: 'computer' } },
          { do: 'idp.reader-login', lastFour: 'wrong' },
        ],
        oracle: { saml: 'none', card: { pinTries: 2 } },
      },
      'desktop-journeys.integration.test.ts',
    );
    const r = await runScenarios([wrong], {
      reportDir: join(dir, 'wrong'),
      headed: false,
      showSecrets: true,
      overrides: {},
      external: {},
    });
    const [j] = r.journeys;
    expect(j?.verdict, j?.reason).toBe('passed');
    const login = step(j!, 'idp.reader-login');
    // --show-secrets: the digits typed are in the report.
    expect(login.notes).toContain(`typed the last 4 PIN digits ${wrongDigits(LAST_FOUR)} (wrong)`);
    expect(login.notes).toContain(
      'the CIE software asks: "PIN errato: 2 tentativi rimasti. Inserisci le ultime 4 cifre del PIN"',
    );
    expect(login.notes).toContain('the browser shows ERR_SSL_CLIENT_AUTH_SIGNATURE_FAILED');
    expect(login.notes.some((n) => n.startsWith('the card signed'))).toBe(false);
    expect(j?.oracle.map((c) => [c.what, c.actual, c.ok])).toEqual([
      ['SAML Response (last)', 'none', true],
      ['card PIN tries left', '2', true],
    ]);
  }, 300_000);
});
