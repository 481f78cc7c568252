/**
 * The load engine: the arrival schedule never gives a citizen a second login before its first
 * ended (an arrival finding every citizen busy is counted as dropped), worker threads get disjoint
 * ranges of fleet indices so no two virtual users share a card, and real runs against the
 * reference IdP — citizens in the main thread and in a worker thread — end with every login
 * accounted for and no error. Throughput and latency are measured by `npm run bench`, not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue, type Scenario } from '../runner/load.ts';
import { runArrivals, type LoginRunner } from './arrivals.ts';
import type { CitizenJourneyResult } from './citizen-journey.ts';
import { loadCitizen, loadFleet, type LoadCitizen } from './citizens.ts';
import { checkPlan, LoadPlanError, ranges, runLoad } from './load-run.ts';
import { startLoadTarget, targetView, type LoadTarget, type TargetView } from './target.ts';

const journey = (id: string): Scenario => {
  const s = catalogue().find((x) => x.id === id);
  if (!s) throw new Error(`no journey ${id}`);
  return s;
};

describe('arrivals', () => {
  it('a citizen is never in two logins at once; every arrival is a login or a drop', async () => {
    const citizens = [0, 1, 2].map((index) => ({ index }) as unknown as LoadCitizen);
    const active = new Set<number>();
    const overlaps: number[] = [];
    const logins = new Map<number, number>();
    let release: (() => void)[] = [];
    // Logins end only when the test lets them: the first five arrivals meet three busy citizens.
    const login: LoginRunner = async (_t, _s, c) => {
      if (active.has(c.index)) overlaps.push(c.index);
      active.add(c.index);
      logins.set(c.index, (logins.get(c.index) ?? 0) + 1);
      await new Promise<void>((r) => release.push(r));
      active.delete(c.index);
      return { ok: true, steps: [{ name: 'x', ms: 1, ok: true }], taps: [], totalMs: 1 };
    };
    const s = journey('hybrid-login');
    const run = runArrivals(
      {} as TargetView,
      s,
      citizens,
      {
        rate: 1000,
        durationS: 0.005,
        drainS: 30,
        startAt: performance.timeOrigin + performance.now(),
      },
      undefined,
      login,
    );
    // Five arrivals are due at once; three start, two are dropped; then let everything finish.
    while (release.length < 3) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    for (const r of release) r();
    release = [];
    const tally = await run;
    expect(overlaps).toEqual([]);
    expect(tally.arrivals).toBe(5);
    expect(tally.ok).toBe(3);
    expect(tally.dropped).toBe(2);
    expect([...logins.values()]).toEqual([1, 1, 1]);
  });

  it('a failed login is counted under its error key with its step', async () => {
    const citizens = [{ index: 0 } as unknown as LoadCitizen];
    const failed: CitizenJourneyResult = {
      ok: false,
      steps: [],
      taps: [],
      totalMs: 3,
      error: { code: 'CIE-22', message: 'Operazione annullata', step: 'idp.consent' },
    };
    const tally = await runArrivals(
      {} as TargetView,
      journey('hybrid-login'),
      citizens,
      { rate: 10, durationS: 0.1, drainS: 5, startAt: performance.timeOrigin + performance.now() },
      undefined,
      async () => failed,
    );
    expect(tally.failed).toBe(1);
    expect(tally.errors.get('CIE-22')).toEqual({
      count: 1,
      step: 'idp.consent',
      example: 'Operazione annullata',
    });
  });
});

describe('citizens of a run', () => {
  it('worker ranges are disjoint and cover the users, so no two virtual users share a card', () => {
    for (const [first, n, k] of [
      [0, 10, 3],
      [5, 1000, 2],
      [0, 7, 7],
    ] as const) {
      const rs = ranges(first, n, k);
      const indices = rs.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.first + i));
      expect(indices).toEqual(Array.from({ length: n }, (_, i) => first + i));
    }
    const fleet = loadFleet({ seed: 'load-test' });
    const idp = { origins: ['https://127.0.0.1:1'], connection: {} };
    const citizens = ranges(0, 6, 2).flatMap((r) =>
      Array.from({ length: r.count }, (_, i) => loadCitizen(fleet, r.first + i, { idp })),
    );
    try {
      for (const key of ['nis', 'serial'] as const)
        expect(new Set(citizens.map((c) => c[key])).size).toBe(6);
      expect(new Set(citizens.map((c) => c.card)).size).toBe(6);
      expect(new Set(citizens.map((c) => c.recipe.spec)).size).toBe(6);
      // The same seed, the same citizens; each phone starts registered with its own card.
      const again = loadCitizen(loadFleet({ seed: 'load-test' }), 4, { idp });
      expect([again.nis, again.serial, again.pin]).toEqual([
        citizens[4]?.nis,
        citizens[4]?.serial,
        citizens[4]?.pin,
      ]);
      again.close();
      for (const c of citizens) expect(c.phone.list().map((r) => r.nis)).toEqual([c.nis]);
    } finally {
      for (const c of citizens) c.close();
    }
  });

  it('plans that cannot run are refused before anything starts', () => {
    const base = {
      scenario: journey('hybrid-login'),
      users: 2,
      rate: 1,
      durationS: 1,
      fleet: { seed: 'x' },
    };
    expect(() => checkPlan({ ...base, users: 0 })).toThrow(LoadPlanError);
    expect(() => checkPlan({ ...base, rate: 0 })).toThrow(LoadPlanError);
    expect(() => checkPlan({ ...base, workers: 3 })).toThrow(LoadPlanError);
    expect(() => checkPlan({ ...base, scenario: journey('desktop-reader-login') })).toThrow(
      /without a browser/,
    );
  });
});

describe('load runs against the reference IdP', () => {
  let target: LoadTarget;
  beforeAll(async () => {
    target = await startLoadTarget();
  });
  afterAll(async () => {
    await target?.close();
  });

  for (const [id, workers] of [
    ['hybrid-login', 1],
    ['phone-login', 0],
  ] as const)
    it(`${id}, citizens in ${workers === 0 ? 'the main thread' : 'a worker thread'}: every login accounted for, no error`, async () => {
      const r = await runLoad(targetView(target), {
        scenario: journey(id),
        users: 4,
        rate: 4,
        durationS: 1,
        fleet: { seed: `load-test-${id}` },
        workers,
      });
      expect(r.errors).toEqual({});
      expect(r.arrivals).toBe(4);
      expect(r.ok + r.dropped).toBe(4);
      expect(r.failed).toBe(0);
      expect(r.login.count).toBe(r.ok);
      expect(r.cardTaps.count).toBeGreaterThanOrEqual(r.ok);
      const steps = Object.keys(r.steps);
      expect(steps.length).toBeGreaterThan(2);
      for (const s of Object.values(r.steps)) expect(s.count).toBe(r.ok);
    });
});
