/**
 * Journeys as data: the catalogue loads and validates; every journey cites where it comes from and
 * says where it must end; step groups expand to primitive steps; a bad definition is refused with
 * the file and the path of each problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STEP_GROUPS } from './library.ts';
import {
  catalogue,
  parseScenario,
  readScenarioFile,
  ScenarioFileError,
  selectScenarios,
} from './load.ts';
import { stepText } from './journey.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ciebench-runner-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the catalogue', () => {
  const all = catalogue();

  it('holds the journeys of the issue, each with a unique id', () => {
    // The SAML journeys; their OpenID Connect twins are checked in oidc-journeys.integration.test.ts.
    expect(all.filter((s) => s.actors.sp.protocol === 'saml').length).toBe(24);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    for (const id of [
      'app-registration',
      'hybrid-login',
      'phone-login',
      'integrated-sdk-login',
      'returning-user',
      'wrong-pin-once',
      'wrong-pin-twice',
      'pin-blocked-puk-unblock',
      'pin-changed-elsewhere',
      'lost-pin-half-reprint',
      'qr-expired-regenerated',
      'otp-wrong-three-times',
      'card-moved-away',
      'card-not-detected',
      'not-a-cie',
      'card-not-registered',
      'expired-card',
      'revoked-card',
      'consent-refused',
      'cancel-in-app',
      'too-slow',
      'desktop-reader-login',
    ])
      expect(all.map((s) => s.id)).toContain(id);
  });

  it('every journey cites a public source or clause and asserts an end state on an actor', () => {
    for (const s of all) {
      expect(s.refs.length, s.id).toBeGreaterThan(0);
      const ends = Object.keys(s.oracle);
      expect(ends.length, s.id).toBeGreaterThan(0);
    }
  });

  it('negative journeys assert the exact end state: page or SAML code, app event, card counters', () => {
    const negative = all.filter((s) => s.oracle.sp?.session === false || s.oracle.app?.event);
    expect(negative.length).toBeGreaterThanOrEqual(10);
    for (const s of negative) {
      const precise =
        s.oracle.saml !== undefined ||
        s.oracle.idp !== undefined ||
        s.oracle.app?.event !== undefined;
      expect(precise, s.id).toBe(true);
    }
  });

  it('no catalogue journey is pending; the desktop reader pair asserts the session and the card', () => {
    expect(all.filter((s) => s.pending).map((s) => s.id)).toEqual([]);
    for (const id of ['desktop-reader-login', 'oidc-desktop-reader-login']) {
      const s = all.find((x) => x.id === id);
      expect(
        s?.steps.map((x) => x.do),
        id,
      ).toContain('idp.reader-login');
      expect(s?.oracle, id).toMatchObject({
        sp: { session: true },
        saml: 1,
        card: { pinTries: 3 },
      });
    }
  });

  it('the pre-production evidence journeys exist for codes 1, 21, 22, 25', () => {
    for (const code of [1, 21, 22, 25])
      expect(all.filter((s) => s.tags.includes(`evidence-${code}`)).length, String(code)).toBe(1);
  });

  it('secrets stay symbolic in every step as written', () => {
    for (const s of all)
      for (const step of s.steps)
        if (s.id !== 'not-a-cie') expect(stepText(step), s.id).not.toMatch(/\d{8}/);
  });
});

describe('step groups', () => {
  it('hybrid-login expands to the desktop and phone steps with their expectations', () => {
    const s = parseScenario(
      {
        id: 'x',
        title: 'a hybrid login',
        refs: ['a test'],
        steps: [{ use: 'hybrid-login', with: { consent: 'refuse' } }],
        oracle: { saml: 22 },
      },
      'inline',
    );
    expect(s.steps.map((x) => x.do)).toEqual([
      'sp.login',
      'idp.choose',
      'idp.serial',
      'app.scan-qr',
      'idp.otp',
      'idp.consent',
    ]);
    expect(s.steps.at(-1)).toMatchObject({ choice: 'refuse', expect: { page: 'sp-error' } });
  });

  it('every group expands with its defaults into steps the model accepts', () => {
    for (const name of Object.keys(STEP_GROUPS)) {
      const s = parseScenario(
        {
          id: 'g',
          title: 'group',
          refs: ['a test'],
          steps: [{ use: name }],
          oracle: { saml: 'none' },
        },
        name,
      );
      expect(s.steps.length, name).toBeGreaterThan(0);
    }
  });
});

describe('bad definitions are refused with where and why', () => {
  const bad = (json: unknown): string => {
    try {
      parseScenario(json, 'bad.json');
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioFileError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const base = { id: 'ok', title: 'title', refs: ['a reference'], oracle: { saml: 1 } };

  it('an unknown step, a bad PIN literal, an unknown group, an empty oracle', () => {
    expect(bad({ ...base, steps: [{ do: 'app.fly' }] })).toMatch(/^bad\.json: steps\.0/);
    expect(bad({ ...base, steps: [{ do: 'app.register', pin: '1234' }] })).toMatch(/steps\.0/);
    expect(bad({ ...base, steps: [{ use: 'teleport' }] })).toMatch(/unknown step group 'teleport'/);
    expect(bad({ ...base, steps: [{ do: 'idp.cancel' }], oracle: {} })).toMatch(/oracle/);
    expect(bad({ ...base, refs: [], steps: [{ do: 'idp.cancel' }] })).toMatch(/refs/);
    expect(bad({ ...base, steps: [{ do: 'time.pass', seconds: 600 }] })).toMatch(/seconds/);
  });

  it('files: not JSON, missing, and selection of unknown ids', () => {
    const f = join(tmp, 'broken.json');
    writeFileSync(f, '{ nope');
    expect(() => readScenarioFile(f)).toThrow(/not JSON/);
    expect(() => readScenarioFile(join(tmp, 'missing.json'))).toThrow(ScenarioFileError);
    expect(() => selectScenarios(['no-such-journey'])).toThrow(/scenario list/);
  });

  it("a user's own file runs beside the catalogue", () => {
    const f = join(tmp, 'mine.json');
    writeFileSync(
      f,
      JSON.stringify({
        ...base,
        id: 'mine',
        steps: [{ use: 'register-card' }],
        oracle: { app: { ok: true } },
      }),
    );
    expect(selectScenarios([f, 'hybrid-login']).map((s) => s.id)).toEqual(['mine', 'hybrid-login']);
  });
});
