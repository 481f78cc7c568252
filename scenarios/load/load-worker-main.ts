/**
 * One worker thread of a load run: it builds its share of the citizens (a contiguous range of
 * fleet indices), says it is ready, waits for the common start time, runs its share of the
 * arrivals (arrivals.ts) and sends its tally once a second and at the end. The IdP stays in the
 * main thread (the reference SP in a thread of its own, sp-thread.ts); a worker only plays
 * citizens.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runArrivals } from './arrivals.ts';
import { loadCitizen, loadFleet } from './citizens.ts';
import type { FromLoadWorker, LoadWorkerData, ToLoadWorker } from './load-worker-protocol.ts';

const data = workerData as LoadWorkerData;
const port = parentPort;
if (!port) throw new Error('load-worker-main runs in a worker thread');
const send = (m: FromLoadWorker): void => port.postMessage(m);

try {
  const fleet = loadFleet(data.fleet);
  const citizens = Array.from({ length: data.count }, (_, i) =>
    loadCitizen(fleet, data.first + i, {
      idp: data.view.phoneIdp,
      registration: data.registration,
    }),
  );
  send({ type: 'prepared', count: citizens.length });
  const start = await new Promise<ToLoadWorker>((resolve) => port.once('message', resolve));
  const tally = await runArrivals(
    data.view,
    data.scenario,
    citizens,
    { ...data.arrivals, startAt: start.startAt },
    (s) => send({ type: 'second', tally: s.tally.toJSON(), inFlight: s.inFlight }),
  );
  for (const c of citizens) c.close();
  send({ type: 'done', tally: tally.toJSON() });
} catch (e) {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
