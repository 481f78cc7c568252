/**
 * The browser-level load processor without Artillery and without a browser: its settings (the
 * ciebench engine's block plus the journey), the journeys a load VU refuses before the first step
 * and why, the target as a journey's environment, the citizen as the runner's card and app
 * actors. The login itself runs in artillery-browser.integration.test.ts (Chromium) and in the
 * bench (`npm run bench -- 75-artillery`, the real `artillery run`).
 */
import { describe, expect, it } from 'vitest';
import {
  browserConfigSchema,
  browserJourney,
  browserJourneyFunction,
  citizenApp,
  citizenCard,
  targetEnvironment,
} from './artillery-browser.ts';
import { parseCiebenchConfig } from './artillery-engine.ts';
import { loadCitizen, loadFleet } from './citizens.ts';
import type { TargetView } from './target.ts';

const target = {
  spHome: 'https://127.0.0.1:1/',
  models: { idp: { pages: {} }, sp: { login: '#login' } },
  browserCa: ['IDP-CA', 'SP-CA'],
  phoneIdp: { origins: ['https://127.0.0.1:2'] },
  idpOrigin: 'https://127.0.0.1:2',
  description: 'test',
} as unknown as TargetView;

describe('browser load: settings', () => {
  it('takes the ciebench block with the hybrid login by default', () => {
    const c = parseCiebenchConfig(browserConfigSchema, { seed: 's', target: 't.json' });
    expect(c).toEqual({
      seed: 's',
      target: 't.json',
      keys: 'pool',
      firstIndex: 0,
      registration: 'derived',
      journey: 'hybrid-login',
    });
    expect(parseCiebenchConfig(browserConfigSchema, { seed: 's', journey: 'x' }).journey).toBe('x');
  });

  it('names every bad field', () => {
    expect(() => parseCiebenchConfig(browserConfigSchema, { firstIndex: -1 })).toThrow(
      /config\.ciebench: seed: .*firstIndex: /,
    );
  });

  it('says how to run it when the VU context has no scenario file', async () => {
    const vu = browserJourneyFunction(() => ({}));
    await expect(vu({}, { vars: {} }, { emit: () => true })).rejects.toThrow(
      /no \$scenarioFile .*artillery run/,
    );
  });
});

describe('browser load: journeys', () => {
  it('plays the logins of the catalogue', () => {
    expect(browserJourney('hybrid-login').steps.map((s) => s.do)).toContain('app.scan-qr');
    expect(browserJourney('phone-login').id).toBe('phone-login');
  });

  it.each([
    ['too-slow', /IdP clock/],
    ['card-moved-away', /NFC endpoint/],
    ['desktop-reader-login', /desktop reader/],
    ['pin-changed-elsewhere', /second device/],
  ])('refuses %s before the first step', (id, why) => {
    expect(() => browserJourney(id)).toThrow(why);
  });

  it('refuses an unknown journey', () => {
    expect(() => browserJourney('no-such-journey')).toThrow(/no journey/);
  });
});

describe('browser load: the target and the citizen as runner actors', () => {
  it('the target is the journey environment; its clock is not ours', () => {
    const env = targetEnvironment(target);
    expect(env.sp.homeUrl).toBe(target.spHome);
    expect(env.idp.origins).toEqual(['https://127.0.0.1:2']);
    expect(env.idp.tlsCaPem).toBe('IDP-CA');
    expect(env.idp.reference).toBeUndefined();
    expect(() => env.clock.advance(1000)).toThrow(/not in this process/);
  });

  it('the card and the phone are the citizen’s, registered from the fleet', async () => {
    const c = loadCitizen(loadFleet({ seed: 'art-browser-test' }), 3, { idp: target.phoneIdp });
    try {
      const card = citizenCard(c);
      expect(card.secrets).toEqual({ pin: c.pin, puk: c.puk, serial: c.serial });
      expect(card.reader).toBe(c.reader);
      expect(card.image?.citizen.nis).toBe(c.nis);
      expect(() => card.faultNextTap([])).toThrow(/not in a load run/);
      await expect(card.away()).rejects.toThrow(/not in a load run/);
      const app = citizenApp(c);
      expect(app.agent).toBe(c.phone);
      expect(app.registration(c.nis)?.serial).toBe(c.serial);
      expect(app.registration('000000000000')).toBeUndefined();
      expect(() => app.other()).toThrow(/second device/);
    } finally {
      c.close();
    }
  });
});
