/**
 * The reference SP in a worker thread of its own is the same SP as in the main thread: its home
 * page answers over HTTPS to a client trusting only the CA it hands out, its metadata names it and
 * the reference IdP registers it; a browserless phone login through it succeeds (its ACS checks
 * the IdP's signed Response in the thread); `close()` resolves and its port is closed afterwards. A thread
 * whose SP cannot start (IdP metadata that is not metadata) makes `startSpThread` reject with a
 * clear error instead of hanging.
 */
import { request } from 'node:https';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, describe, expect, it } from 'vitest';
import { HostError } from '../../emulator/src/host-error.ts';
import type { SpActor } from '../runner/model.ts';
import { startSpThread, type SpSummary, type ThreadedSp } from './sp-thread.ts';
import { catalogue } from '../runner/load.ts';
import { runLoad } from './load-run.ts';
import { startLoadTarget, targetView, type LoadTarget } from './target.ts';

/** Worker threads load the SP's sources through tsx: sized for a busy 2-core machine. */
const SLOW = 60_000;
const ACTOR: SpActor = { kind: 'reference', protocol: 'saml', binding: 'redirect', defects: [] };
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

interface Reply {
  readonly status: number;
  readonly body: string;
}

/**
 * GET over HTTPS trusting `ca` only, on a new connection each time (no keep-alive pool: a reused
 * socket would say nothing about whether the port still listens); no redirects followed.
 */
function get(url: string, ca: string | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The error code a GET ends with (it must not succeed). */
async function failureOf(url: string, ca: string | undefined): Promise<string> {
  try {
    const r = await get(url, ca);
    return `answered ${r.status}`;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** What a working SP shows a client that trusts its CA. */
async function expectWorkingSp(sp: SpSummary): Promise<string> {
  const home = new URL(sp.homeUrl);
  expect(home.protocol).toBe('https:');
  expect(home.hostname).toBe('127.0.0.1');
  expect(sp.tlsCaPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  const page = await get(sp.homeUrl, sp.tlsCaPem);
  expect(page.status).toBe(200);
  // The login button the page model names.
  expect(sp.pages.login).toBe('#entra-con-cie');
  expect(page.body).toContain('id="entra-con-cie"');
  // Without the CA the TLS handshake is refused: the listener really is the SP's own TLS.
  expect(await failureOf(sp.homeUrl, undefined)).toMatch(/CERT|SELF_SIGNED|UNABLE/);
  const md = new DOMParser().parseFromString(sp.metadataXml, 'text/xml').documentElement;
  expect(md.namespaceURI).toBe(MD);
  expect(md.localName).toBe('EntityDescriptor');
  const entityId = md.getAttribute('entityID') ?? '';
  expect(entityId).toBe(`${home.origin}/metadata`);
  return home.origin;
}

/** One browserless phone login through the target: the SP's ACS checks the IdP's signed Response. */
async function oneLogin(t: LoadTarget): Promise<void> {
  const scenario = catalogue().find((x) => x.id === 'phone-login');
  if (!scenario) throw new Error('no phone-login journey');
  const r = await runLoad(targetView(t), {
    scenario,
    users: 1,
    rate: 1,
    durationS: 1,
    fleet: { seed: 'sp-thread-test' },
    workers: 0,
  });
  expect(r.errors).toEqual({});
  expect(r.failed).toBe(0);
  expect(r.ok).toBe(1);
}

describe('startSpThread', () => {
  const open: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
  }, SLOW);

  it(
    'runs the same reference SP as the main thread does, registered at the reference IdP',
    async () => {
      const inMain: LoadTarget = await startLoadTarget({ spThread: false });
      open.push(inMain);
      const threaded: ThreadedSp = await startSpThread(ACTOR, inMain.idp.metadataXml);
      open.push(threaded);

      await expectWorkingSp(inMain.sp);
      const origin = await expectWorkingSp(threaded);
      expect(new URL(threaded.homeUrl).port).not.toBe(new URL(inMain.sp.homeUrl).port);
      expect(threaded.pages).toEqual(inMain.sp.pages);
      expect(threaded.description).toBe(`reference SP (node-saml) ${origin}, in its own thread`);
      expect(inMain.description).not.toContain('in its own thread');
      // The IdP accepts the threaded SP's metadata as it accepted the in-thread one's.
      const reg = inMain.idp.registerSp(threaded.metadataXml);
      expect(reg.registered, reg.report).toBe(true);

      await threaded.close();
      expect(await failureOf(threaded.homeUrl, threaded.tlsCaPem)).toBe('ECONNREFUSED');
      // A second close (the load target's own, after an error path's) resolves too.
      await threaded.close();
      // The main-thread SP is untouched by the thread's end, and logs citizens in.
      expect((await get(inMain.sp.homeUrl, inMain.sp.tlsCaPem)).status).toBe(200);
      await oneLogin(inMain);
      await inMain.close();
      expect(await failureOf(inMain.sp.homeUrl, inMain.sp.tlsCaPem)).toBe('ECONNREFUSED');
    },
    SLOW * 2,
  );

  it(
    'is what a load target starts by default, and its close() closes the port',
    async () => {
      const t = await startLoadTarget();
      open.push(t);
      const origin = await expectWorkingSp(t.sp);
      expect(t.sp.description).toBe(`reference SP (node-saml) ${origin}, in its own thread`);
      expect(t.browserCa).toContain(t.sp.tlsCaPem);
      await oneLogin(t);
      // The thread's own event loop is observable (the bench reports it beside the IdP's).
      const elu = t.sp.utilization?.();
      expect(elu?.active).toBeGreaterThan(0);
      expect(elu?.utilization).toBeGreaterThanOrEqual(0);
      expect(elu?.utilization).toBeLessThanOrEqual(1);
      await t.close();
      expect(await failureOf(t.sp.homeUrl, t.sp.tlsCaPem)).toBe('ECONNREFUSED');
    },
    SLOW * 2,
  );

  it(
    'rejects, naming the SP thread, when the SP cannot start (IdP metadata that is not metadata)',
    async () => {
      for (const bad of ['not xml', '<foo/>']) {
        const started = startSpThread(ACTOR, bad);
        // The SP's own complaint about the metadata travels with the error.
        await expect(started, bad).rejects.toThrow(/^the SP thread failed: .*IdP metadata/);
        // Bad input, as in this thread (exit code 2 from the CLI), and no stack in the message.
        const e = (await started.catch((x: unknown) => x)) as HostError;
        expect(e).toBeInstanceOf(HostError);
        expect([e.code, e.kind], bad).toEqual(['SP_XML_INPUT', 'input']);
        expect(e.message, bad).not.toMatch(/\n\s+at /);
      }
    },
    SLOW * 2,
  );
});
