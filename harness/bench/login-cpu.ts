/**
 * CPU time per browserless hybrid login, for profiling (`node --cpu-prof --import tsx
 * harness/bench/login-cpu.ts`): the reference IdP and SP and the citizens all in this thread, a
 * closed loop of `CIEBENCH_LOGINS` logins (default 200) with `CIEBENCH_CONCURRENCY` in flight
 * (default 4) after a warm-up of 20, CPU time (process.cpuUsage, user + system) per login printed.
 * CPU time, not wall time: it does not depend on what else the machine runs. With
 * `CIEBENCH_CPU_PROFILE=<file>` the measured logins only (no start-up, no warm-up) are profiled
 * to that file (a .cpuprofile for Chrome's DevTools or any profile viewer).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { catalogue } from '../../scenarios/runner/load.ts';
import { runCitizenJourney } from '../../scenarios/load/citizen-journey.ts';
import { loadCitizen, loadFleet, type LoadCitizen } from '../../scenarios/load/citizens.ts';
import { startLoadTarget, targetView } from '../../scenarios/load/target.ts';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const scenario = catalogue().find((s) => s.id === 'hybrid-login');
if (!scenario) throw new Error('the catalogue has no hybrid-login journey');
const logins = num('CIEBENCH_LOGINS', 200);
const concurrency = num('CIEBENCH_CONCURRENCY', 4);
// Everything in this thread, so that one profile shows the whole login.
const target = await startLoadTarget({ spThread: false });
try {
  const view = targetView(target);
  const fleet = loadFleet({ seed: 'bench-load' });
  const citizens: LoadCitizen[] = Array.from({ length: concurrency }, (_, i) =>
    loadCitizen(fleet, i, { idp: view.phoneIdp }),
  );
  let failed = 0;
  const run = async (n: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      citizens.map(async (c) => {
        while (next < n) {
          next++;
          const r = await runCitizenJourney(view, scenario, c);
          if (!r.ok) {
            failed++;
            if (failed <= 3) process.stderr.write(`failed: ${JSON.stringify(r.error)}\n`);
          }
        }
      }),
    );
  };
  await run(20);
  failed = 0;
  const profileTo = process.env['CIEBENCH_CPU_PROFILE'];
  const session = profileTo ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const c0 = cpuMs();
  const t0 = performance.now();
  await run(logins);
  const cpu = cpuMs() - c0;
  const wall = performance.now() - t0;
  if (session && profileTo) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileTo, JSON.stringify(profile));
    session.disconnect();
  }
  process.stdout.write(
    `${logins} logins (${failed} failed), ${concurrency} in flight: ${(cpu / logins).toFixed(1)} ms CPU per login, ${((logins * 1000) / wall).toFixed(1)} logins/s wall\n`,
  );
  for (const c of citizens) c.close();
} finally {
  await target.close();
}
