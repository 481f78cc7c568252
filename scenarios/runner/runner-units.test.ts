/**
 * The runner's small pieces: secrets a journey names symbolically, which journeys skip with which
 * actors (and why), known defects, SAML summaries, the IdP clock, and the reports' shapes (JUnit
 * XML a CI reads, an HTML page with nothing from outside).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { newPinProblem } from '../app/pin.ts';
import { RunClock, type RunEnvironment } from './environment.ts';
import { runJourney } from './executor.ts';
import { knownDefectVerdict, skipReason } from './plan.ts';
import { newPinFor, wrongDigits } from './journey.ts';
import { catalogue } from './load.ts';
import { htmlReport, prettyXml } from './reports/html.ts';
import { junitXml } from './reports/junit.ts';
import type { JourneyResult, RunResult } from './results.ts';
import { withOverrides } from './run.ts';
import { summarise } from './saml-capture.ts';
import { INTEGRATION_REQUIRED } from './testing/browser-gate.ts';

const byId = (id: string) => {
  const s = catalogue().find((x) => x.id === id);
  if (!s) throw new Error(id);
  return s;
};

describe('secrets named symbolically', () => {
  it('a wrong PIN differs in every digit; a new PIN passes the app’s strict rules', () => {
    for (const pin of ['12345678', '00000000', '99999999', '31415926']) {
      const w = wrongDigits(pin);
      expect(w).toMatch(/^\d{8}$/);
      for (let i = 0; i < 8; i++) expect(w[i]).not.toBe(pin[i]);
      const n = newPinFor(pin, `seed-${pin}`);
      expect(newPinProblem(n, n, pin, { strict: true })).toBeUndefined();
      expect(newPinFor(pin, `seed-${pin}`)).toBe(n);
    }
  });
});

describe('which journeys run with which actors', () => {
  // Deciding a skip writes nothing: the report folder is only named.
  const o = { reportDir: join(tmpdir(), 'ciebench-runner-units'), showSecrets: false };

  it('NFC faults and a card taken away need the NFC channel', () => {
    const moved = withOverrides(byId('card-moved-away'), {
      app: { kind: 'agent', channel: 'pcsc' },
    });
    expect(skipReason(moved, o)).toMatch(/NFC channel/);
    expect(skipReason(byId('card-moved-away'), o)).toBeUndefined();
  });

  it('a physical card: no card states, no fault plans, wrong PINs only within the tries budget', () => {
    const phys = { ...o, physicalReader: 'ACS ACR1252', triesBudget: { remaining: 1 } };
    expect(skipReason(byId('expired-card'), phys)).toMatch(/emulated card/);
    expect(skipReason(byId('not-a-cie'), phys)).toMatch(/emulated card/);
    expect(skipReason(byId('wrong-pin-twice'), phys)).toMatch(
      /2 wrong PIN\/PUK entries.*budget left is 1/,
    );
    expect(skipReason(byId('wrong-pin-once'), phys)).toBeUndefined();
    expect(skipReason(byId('hybrid-login'), phys)).toBeUndefined();
  });

  it('the command line replaces the card unless the journey needs its own', () => {
    expect(withOverrides(byId('hybrid-login'), { card: 'gemalto' }).actors.card.spec).toBe(
      'gemalto',
    );
    expect(withOverrides(byId('not-a-cie'), { card: 'gemalto' }).actors.card.spec).toBe('iso-test');
  });

  it('a pending journey is skipped with its reason', () => {
    const pending = { ...byId('hybrid-login'), pending: 'the app cannot do this yet' };
    expect(skipReason(pending, o)).toBe('pending: the app cannot do this yet');
  });

  it('the desktop reader journey: an emulated card held in this process, never a physical one', () => {
    const desktop = byId('desktop-reader-login');
    expect(skipReason(desktop, o)).toBeUndefined();
    expect(skipReason(desktop, { ...o, physicalReader: 'ACS ACR1252' })).toMatch(
      /emulated card to the PKCS#11 module/,
    );
    const pcsc = withOverrides(desktop, { app: { kind: 'agent', channel: 'pcsc' } });
    expect(skipReason(pcsc, o)).toMatch(/in this process, not in the virtual PC\/SC reader/);
  });

  it('the desktop reader journey without the module built: skipped with the reason (an error when integration is required)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ciebench-no-module-'));
    const before = process.env['CIEBENCH_PKCS11_BUILD'];
    process.env['CIEBENCH_PKCS11_BUILD'] = empty;
    try {
      // Deciding the skip happens before the journey touches its environment.
      const r = await runJourney({} as RunEnvironment, byId('desktop-reader-login'), o);
      expect(r.verdict).toBe(INTEGRATION_REQUIRED ? 'error' : 'skipped');
      expect(r.reason).toMatch(/^needs the desktop reader: the PKCS#11 module is not built/);
      expect(existsSync(join(o.reportDir, 'journeys'))).toBe(false);
      // A skip the actors decide stays a skip, integration required or not.
      const pcsc = withOverrides(byId('desktop-reader-login'), {
        app: { kind: 'agent', channel: 'pcsc' },
      });
      expect((await runJourney({} as RunEnvironment, pcsc, o)).verdict).toBe('skipped');
    } finally {
      if (before === undefined) delete process.env['CIEBENCH_PKCS11_BUILD'];
      else process.env['CIEBENCH_PKCS11_BUILD'] = before;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('known defects (expected failures keyed by condition)', () => {
  const s = { knownDefects: [{ match: "shows 'errore-app'", reason: 'cookie path' }] };
  it('a matching failure is reported as the known defect, a pass means the entry must go', () => {
    expect(
      knownDefectVerdict(s, "expected page 'sp-error', the browser shows 'errore-app'"),
    ).toMatchObject({
      verdict: 'skipped',
      reason: expect.stringMatching(/^known defect: cookie path/),
    });
    expect(knownDefectVerdict(s, 'something else').verdict).toBe('failed');
    expect(knownDefectVerdict(s, undefined)).toMatchObject({
      verdict: 'failed',
      reason: expect.stringMatching(/remove the entry/),
    });
    expect(knownDefectVerdict({ knownDefects: [] }, undefined).verdict).toBe('passed');
  });
});

describe('SAML summaries', () => {
  it('a CIE error Response: code and status URNs; an AuthnRequest: its level', () => {
    const err = summarise(
      '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" InResponseTo="_q"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>ErrorCode nr22</samlp:StatusMessage></samlp:Status></samlp:Response>',
    );
    expect(err).toMatchObject({ kind: 'Response', code: 22, inResponseTo: '_q' });
    expect(err.summary).toBe('Response Responder/AuthnFailed "ErrorCode nr22" to _q');
    const ok = summarise(
      '<Response ID="_a"><Status><StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></Status></Response>',
    );
    expect(ok.code).toBe(1);
    const req = summarise(
      '<samlp:AuthnRequest ID="_x"><saml:AuthnContextClassRef>https://www.spid.gov.it/SpidL3</saml:AuthnContextClassRef></samlp:AuthnRequest>',
    );
    expect(req).toMatchObject({
      kind: 'AuthnRequest',
      id: '_x',
      summary: 'AuthnRequest _x for SpidL3',
    });
    expect(deflateRawSync(Buffer.from('x')).length).toBeGreaterThan(0);
  });
});

describe('the IdP clock', () => {
  it('a journey letting 121 s pass starts 121 s in the past and ends at real time', () => {
    const c = new RunClock();
    c.rewind(121_000);
    const before = Date.now();
    expect(c.now().getTime()).toBeLessThanOrEqual(before - 121_000 + 50);
    c.advance(121_000);
    expect(c.offset).toBe(0);
  });
});

function journey(verdict: JourneyResult['verdict'], reason?: string): JourneyResult {
  return {
    id: 'hybrid-login',
    title: 'Hybrid <login> & "more"',
    refs: ['ref'],
    tags: [],
    variant: {
      sp: 'reference',
      idp: 'reference',
      app: 'agent:nfc',
      card: 'default',
      browser: 'desktop',
    },
    name: `hybrid-login [${verdict}]`,
    verdict,
    ...(reason ? { reason } : {}),
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    steps: [
      {
        index: 0,
        do: 'sp.login',
        text: 'sp.login',
        verdict: verdict === 'passed' ? 'passed' : 'failed',
        startedMs: 0,
        durationMs: 10,
        notes: ['a note'],
        artefacts: { saml: [0] },
      },
    ],
    oracle: [{ what: 'SP session', expected: 'true', actual: 'true', ok: true }],
    saml: [
      {
        kind: 'AuthnRequest',
        binding: 'redirect',
        url: 'https://idp/sso',
        xml: '<samlp:AuthnRequest ID="_x"><saml:Issuer>sp</saml:Issuer></samlp:AuthnRequest>',
        at: 5,
        step: 0,
        summary: 'AuthnRequest _x',
      },
    ],
    files: { dir: 'journeys/x' },
  };
}

describe('reports', () => {
  const run: RunResult = {
    tool: 'ciebench',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5000,
    journeys: [
      journey('passed'),
      journey('failed', 'step 1: <boom> & "x"'),
      journey('skipped', 'pending: later'),
    ],
    environment: { k: 'reference IdP · reference SP' },
  };

  it('JUnit: one test case per journey, failures, skips, escaped text, artefact paths', () => {
    const x = junitXml(run);
    expect(x).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(x).toContain(
      '<testsuites name="ciebench scenarios" tests="3" failures="1" errors="0" skipped="1" time="5.000">',
    );
    expect(x.match(/<testcase /g)?.length).toBe(3);
    expect(x).toContain(
      '<failure message="step 1: &lt;boom&gt; &amp; &quot;x&quot;" type="verdict">',
    );
    expect(x).toContain('<skipped message="pending: later"/>');
    expect(x).toContain('artefacts: journeys/x');
  });

  it('HTML: self-contained (no URL it would fetch), escaped, the SAML message indented', () => {
    const h = htmlReport(run, '/nonexistent');
    expect(h).not.toMatch(/\s(src|href)="(https?:|\/\/)/);
    expect(h).toContain("default-src 'none'");
    expect(h).toContain('Hybrid &lt;login&gt; &amp; &quot;more&quot;');
    expect(prettyXml('<a><b>x</b><c/></a>')).toBe('<a>\n  <b>x</b>\n  <c/>\n</a>');
  });
});
