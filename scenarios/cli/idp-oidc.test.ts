/**
 * `ciebench idp federation …` and `ciebench idp oidc-client …` in-process against a running IdP
 * (announced in a private `$CIEBENCH_HOME`, as `idp start` does): the trust anchor registers the
 * reference relying party from its Entity Configuration and prints its trust mark, lists it,
 * revokes it (the anchor's trust_mark_status then says inactive); refused input exits 2, a missing
 * IdP exits 3.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli/testing/run-cli.ts';
import { HttpClient } from '../idp/client/https-client.ts';
import { startFederation, type Federation } from '../sp/oidc/testing/federation.ts';

const home = mkdtempSync(join(tmpdir(), 'ciebench-idp-oidc-cli-'));
const previousHome = process.env['CIEBENCH_HOME'];
let f: Federation;

beforeAll(async () => {
  process.env['CIEBENCH_HOME'] = home;
  f = await startFederation({ register: false });
  mkdirSync(join(home, 'idp'), { recursive: true });
  writeFileSync(join(home, 'ca.pem'), f.idp.tlsCaPem);
  writeFileSync(
    join(home, 'idp', 'running.json'),
    JSON.stringify({
      url: f.idp.urls.base,
      token: f.idp.controlToken,
      ca: join(home, 'ca.pem'),
      spki: f.idp.tlsSpkiSha256,
      oidc: { issuer: f.oidc.urls.issuer, trustAnchor: f.oidc.urls.trustAnchor },
    }),
  );
}, 120_000);

afterAll(async () => {
  await f?.close();
  if (previousHome === undefined) delete process.env['CIEBENCH_HOME'];
  else process.env['CIEBENCH_HOME'] = previousHome;
  rmSync(home, { recursive: true, force: true });
});

describe('ciebench idp federation', () => {
  it('add-rp reads the RP Entity Configuration, registers it and prints its trust mark', async () => {
    const entityId = f.rp.urls.entityId;
    const r = await runCli('idp', 'federation', 'add-rp', entityId);
    expect(r.exitCode, r.stderr).toBe(0);
    const marks = (JSON.parse(r.stdout) as { trust_marks: { id: string; trust_mark: string }[] })
      .trust_marks;
    expect(marks).toHaveLength(1);
    const claims = decodeJwt(marks[0]!.trust_mark);
    expect(claims.iss).toBe(f.oidc.urls.trustAnchor);
    expect(claims.sub).toBe(entityId);
    expect(f.oidc.anchor.list()).toContain(entityId);

    const list = await runCli('idp', 'federation', 'list');
    expect(list.exitCode).toBe(0);
    const rows = JSON.parse(list.stdout) as { entityId: string; trustMarks: unknown[] }[];
    expect(rows.find((x) => x.entityId === entityId)?.trustMarks).toHaveLength(1);

    const status = async (): Promise<unknown> => {
      const c = new HttpClient(f.idp.tlsCaPem);
      const a = await c.postForm(`${f.oidc.urls.trustAnchor}/trust_mark_status`, {
        trust_mark: marks[0]!.trust_mark,
      });
      return JSON.parse(a.body);
    };
    expect(await status()).toEqual({ active: true });
    const revoked = await runCli('idp', 'federation', 'revoke', entityId);
    expect(revoked.exitCode, revoked.stderr).toBe(0);
    expect(await status()).toEqual({ active: false });

    const removed = await runCli('idp', 'federation', 'remove', entityId);
    expect(removed.exitCode).toBe(0);
    expect(f.oidc.anchor.list()).not.toContain(entityId);
  });

  it('refused input exits 2: not a URL, a bad profile, a static client without keys', async () => {
    expect((await runCli('idp', 'federation', 'add-rp', 'not-a-url')).exitCode).toBe(2);
    expect(
      (await runCli('idp', 'federation', 'add-rp', f.rp.urls.entityId, '--profile', 'x')).exitCode,
    ).toBe(2);
    const file = join(home, 'client.json');
    writeFileSync(file, JSON.stringify({ client_id: 'x', redirect_uris: ['https://x.test/cb'] }));
    const r = await runCli('idp', 'oidc-client', 'add', file);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('jwks');
  });

  it('an RP whose Entity Configuration cannot be read exits 3', async () => {
    const r = await runCli('idp', 'federation', 'add-rp', 'https://127.0.0.1:1/rp');
    expect(r.exitCode).toBe(3);
  });

  it('without a running IdP: exit 3', async () => {
    rmSync(join(home, 'idp', 'running.json'));
    const r = await runCli('idp', 'federation', 'list');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('ciebench idp start');
  });
});
