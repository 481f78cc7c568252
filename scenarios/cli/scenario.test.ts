/**
 * `ciebench scenario` in-process: the catalogue and the response cases listed, a journey shown with
 * its groups expanded (secrets symbolic), and bad input refused with exit 2 before anything starts.
 * Runs that start a browser are in scenarios/runner/*.integration.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli/testing/run-cli.ts';

describe('ciebench scenario', () => {
  it('list: 30 journeys (24 over SAML, 6 OIDC twins), 55 SP response cases, the step groups', async () => {
    const r = await runCli('scenario', 'list');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('30 journeys (scenarios/catalogue):');
    expect(r.stdout).toContain('55 SP response cases');
    expect(r.stdout).toMatch(/desktop-reader-login +Desktop login with a card reader/);
    expect(r.stdout).not.toContain('[pending: ');
    const json = JSON.parse((await runCli('scenario', 'list', '--json')).stdout) as {
      journeys: unknown[];
      spCases: unknown[];
    };
    expect([json.journeys.length, json.spCases.length]).toEqual([30, 55]);
  });

  it('show: the expanded steps with symbolic secrets and the oracle', async () => {
    const r = await runCli('scenario', 'show', 'pin-blocked-puk-unblock');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      'app.scan-qr lastFour=wrong source=screenshot → {"event":"PIN_BLOCKED"}',
    );
    expect(r.stdout).toContain('app.unblock puk=card new=new');
    expect(r.stdout).toContain(
      'oracle: {"sp":{"session":true},"saml":1,"card":{"pinTries":3,"pukTries":10}}',
    );
    expect(r.stdout).not.toMatch(/\d{8}/);
  });

  it.each([
    [['scenario', 'run', 'no-such-journey']],
    [['scenario', 'run', 'hybrid-login', '--app', 'telepathy']],
    [['scenario', 'run', 'hybrid-login', '--sp', 'wordpress']],
    [['scenario', 'run', 'hybrid-login', '--sp', 'external']],
    [['scenario', 'run', 'hybrid-login', '--idp', 'external']],
    [['scenario', 'run', 'hybrid-login', '--idp', 'external', '--idp-metadata', '/no/such.xml']],
    [['scenario', 'run', 'hybrid-login', '--card', 'default', '--reader', 'Some Reader']],
    [['scenario', 'run', 'sp-cases:no-such-case']],
    [['scenario', 'run', 'hybrid-login', '--tries-budget', 'lots']],
    [['scenario', 'show', '/no/such/journey.json']],
  ])('exit 2 before anything starts: %j', async (args) => {
    const r = await runCli(...args);
    expect(r.exitCode, r.stdout).toBe(2);
    expect(r.stderr).toMatch(/\S/);
  });
});
