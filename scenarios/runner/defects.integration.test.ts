/**
 * Planted defects are caught, with names:
 *
 * - the reference SP built without Assertion-signature checking (`accept-unsigned-assertion`,
 *   node-saml `wantAssertionsSigned: false`): of the signature and wrapping response cases, exactly
 *   `assertion-unsigned` fails — the SP opens a session for a Response whose Assertion is not
 *   signed — while the conformant SP passes them all;
 * - the reference IdP not checking the OTP: the journey "OTP wrong three times" fails at the first
 *   wrong code (the IdP goes on to the consent page instead of asking again); the IdP's switch is
 *   `behaviour.otpCheck: 'off'`.
 *
 * Needs Debian's Chromium (skipped loudly without it; a failure under CIE_REQUIRE_INTEGRATION=1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogue, type Scenario } from './load.ts';
import { runScenarios } from './run.ts';
import { runSpCases } from './sp-cases/run-cases.ts';
import { browserGate } from './testing/browser-gate.ts';
import { SIGNATURE_CASES } from './testing/signature-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-runner-defects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const browserOk = browserGate('scenarios/runner/defects.integration.test.ts');

/** The correct case, then those about signatures: where a missing signature check shows. */
const CASES = ['correct', ...SIGNATURE_CASES];

describe.skipIf(!browserOk)(
  'planted SP defect: the reference SP without Assertion-signature checking',
  () => {
    it(
      'the conformant reference SP passes every signature case',
      { timeout: 400_000 },
      async () => {
        const r = await runSpCases(CASES, {
          sp: 'reference',
          reportDir: join(dir, 'ok'),
          headed: false,
          external: {},
        });
        expect(r.results.map((x) => [x.id, x.verdict])).toEqual(CASES.map((id) => [id, 'passed']));
      },
    );

    it(
      'built with accept-unsigned-assertion, exactly assertion-unsigned fails: a session for an unsigned Assertion',
      { timeout: 400_000 },
      async () => {
        const r = await runSpCases(CASES, {
          sp: 'reference',
          spDefects: ['accept-unsigned-assertion'],
          reportDir: join(dir, 'planted'),
          headed: false,
          external: {},
        });
        const failed = r.results.filter((x) => x.verdict !== 'passed');
        expect(failed.map((x) => x.id)).toEqual(['assertion-unsigned']);
        expect(failed[0]?.observed).toMatch(/^session opened/);
      },
    );
  },
);

describe.skipIf(!browserOk)('planted IdP defect: the OTP not checked', () => {
  const journey = catalogue().find((s) => s.id === 'otp-wrong-three-times') as Scenario;
  const withDefect: Scenario = {
    ...journey,
    actors: { ...journey.actors, idp: { ...journey.actors.idp, defects: ['otp-unchecked'] } },
  };
  const run = (s: Scenario, sub: string) =>
    runScenarios([s], {
      reportDir: join(dir, sub),
      headed: false,
      showSecrets: false,
      overrides: {},
      external: {},
    });

  it(
    '"OTP wrong three times" passes against the conformant IdP and fails at the first wrong code against the defective one',
    { timeout: 300_000 },
    async () => {
      const ok = await run(journey, 'idp-ok');
      expect(ok.journeys[0]?.verdict, ok.journeys[0]?.reason).toBe('passed');
      const bad = await run(withDefect, 'idp-planted');
      expect(bad.journeys[0]?.verdict).toBe('failed');
      expect(bad.journeys[0]?.reason).toMatch(
        /^step 6 \(idp\.otp\): expected page 'otp', the browser shows 'consenso'/,
      );
    },
  );
});
