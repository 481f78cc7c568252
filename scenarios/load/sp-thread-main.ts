/**
 * The worker thread of sp-thread.ts: starts the SP, says where it is, closes it when asked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HostError } from '../../emulator/src/host-error.ts';
import { startSp } from '../runner/actors/sp.ts';
import type { FromSpThread, SpThreadData, ToSpThread } from './sp-thread.ts';

const data = workerData as SpThreadData;
const port = parentPort;
if (!port) throw new Error('sp-thread-main runs in a worker thread');
const send = (m: FromSpThread): void => port.postMessage(m);

try {
  const sp = await startSp(data.actor, data.idpMetadataXml);
  port.on('message', (m: ToSpThread) => {
    if (m.type !== 'close') return;
    void sp
      .close()
      .catch(() => undefined)
      .then(() => {
        send({ type: 'closed' });
        port.close();
      });
  });
  send({
    type: 'ready',
    sp: {
      homeUrl: sp.homeUrl,
      metadataXml: sp.metadataXml,
      ...(sp.tlsCaPem ? { tlsCaPem: sp.tlsCaPem } : {}),
      pages: sp.pages,
      description: `${sp.description}, in its own thread`,
    },
  });
} catch (e) {
  // The message, not the stack: the caller shows it to a person. A HostError's code and kind
  // cross over so that the CLI still maps it to its exit code.
  send({
    type: 'error',
    message: e instanceof Error ? e.message : String(e),
    ...(e instanceof HostError ? { code: e.code, kind: e.kind } : {}),
  });
}
