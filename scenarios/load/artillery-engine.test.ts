/**
 * The Artillery engine without Artillery: the engine is constructed and its VU function called the
 * way Artillery's runner does (script object, event emitter, a callback per VU). Two VUs never
 * share a card (not in one thread, not across threads or runners), the same seed gives the same
 * citizens, and a VU's login reports Artillery metrics per step and its errors by CIE code. The
 * real `artillery run` is exercised by the bench (suites/75-artillery.bench.ts) in CI.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiebenchEngine, vuIndex, VUS_PER_THREAD } from './artillery-engine.ts';
import { startLoadTarget, targetView, type LoadTarget } from './target.ts';

describe('Artillery engine: VU numbering', () => {
  it('threads and runners number their VUs in disjoint blocks', () => {
    const seen = new Set<number>();
    for (const runner of [0, 1])
      for (const thread of [1, 2, 64])
        for (const k of [0, 1, VUS_PER_THREAD - 1]) {
          const i = vuIndex(0, runner, thread, k);
          expect(seen.has(i)).toBe(false);
          seen.add(i);
        }
    expect(vuIndex(7, 0, 1, 3)).toBe(10);
    expect(() => vuIndex(0, 0, 1, VUS_PER_THREAD)).toThrow();
    expect(() => vuIndex(0, 0, 65, 0)).toThrow();
  });
});

describe('Artillery engine against the reference IdP', () => {
  let target: LoadTarget;
  let dir: string;
  beforeAll(async () => {
    target = await startLoadTarget();
    dir = mkdtempSync(join(tmpdir(), 'ciebench-artillery-'));
    writeFileSync(join(dir, 'target.json'), JSON.stringify(targetView(target)));
  });
  afterAll(async () => {
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const script = (seed: string) => ({
    config: { ciebench: { target: 'target.json', seed } },
    _scriptPath: join(dir, 'scenario.yml'),
  });

  /** Runs `n` VUs at once the way Artillery's runner does; their contexts and the metrics. */
  async function vus(engine: CiebenchEngine, n: number) {
    const ee = new EventEmitter();
    const metrics: [string, string, number][] = [];
    for (const kind of ['counter', 'histogram'] as const)
      ee.on(kind, (name: string, v: number) => metrics.push([kind, name, v]));
    ee.on('error', (code: string) => metrics.push(['error', code, 1]));
    const run = engine.createScenario({ flow: [{ journey: 'hybrid-login' }] }, ee);
    const results = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<{ err: Error | null; card: unknown }>((done) => {
            const context = { vars: {} as Record<string, unknown> };
            run(context, (err) => done({ err, card: context.vars['ciebenchCard'] }));
          }),
      ),
    );
    return { results, metrics };
  }

  it('two VUs never share a card; the same seed gives the same cards; metrics per step', async () => {
    const a = await vus(new CiebenchEngine(script('art-test'), null, null, { thread: 1 }), 2);
    const b = await vus(new CiebenchEngine(script('art-test'), null, null, { thread: 2 }), 2);
    for (const r of [...a.results, ...b.results]) expect(r.err).toBeNull();
    const cards = [...a.results, ...b.results].map((r) => r.card);
    expect(new Set(cards).size).toBe(4);
    expect(cards).toEqual([
      'fleet:art-test:0',
      'fleet:art-test:1',
      `fleet:art-test:${VUS_PER_THREAD}`,
      `fleet:art-test:${VUS_PER_THREAD + 1}`,
    ]);
    const again = await vus(new CiebenchEngine(script('art-test'), null, null, { thread: 1 }), 1);
    expect(again.results[0]?.card).toBe('fleet:art-test:0');
    const names = new Set(a.metrics.map(([k, n]) => `${k} ${n}`));
    for (const m of [
      'counter ciebench.login.ok',
      'histogram ciebench.login',
      'histogram ciebench.card_tap',
      'histogram ciebench.step.sp.login',
      'histogram ciebench.step.idp.consent',
    ])
      expect(names).toContain(m);
    expect(a.metrics.filter(([k]) => k === 'error')).toEqual([]);
  });

  it('a failed login is an Artillery error under its key (the SP does not answer)', async () => {
    const gone = { ...targetView(target), spHome: 'https://127.0.0.1:1/' };
    writeFileSync(join(dir, 'gone.json'), JSON.stringify(gone));
    const engine = new CiebenchEngine(
      {
        config: { ciebench: { target: 'gone.json', seed: 'art-test' } },
        _scriptPath: join(dir, 'scenario.yml'),
      },
      null,
      null,
      { thread: 1 },
    );
    const ee = new EventEmitter();
    const errors: string[] = [];
    ee.on('error', (code: string) => errors.push(code));
    const run = engine.createScenario({ flow: [{ journey: 'hybrid-login' }] }, ee);
    const err = await new Promise<Error | null>((done) => run({ vars: {} }, (e) => done(e)));
    expect(err?.message ?? '').toContain('fleet:art-test:0');
    expect(errors).toEqual(['net-ECONNREFUSED']);
  });

  it('bad configuration and flows are refused when Artillery loads the script', () => {
    expect(() => new CiebenchEngine({ config: { ciebench: {} } }, null, null)).toThrow(/seed/);
    const engine = new CiebenchEngine(script('x'), null, null, { thread: 1 });
    expect(() => engine.createScenario({ flow: [{ get: '/' }] }, new EventEmitter())).toThrow();
    expect(() =>
      engine.createScenario({ flow: [{ journey: 'desktop-reader-login' }] }, new EventEmitter()),
    ).toThrow(/needs a browser/);
  });
});
