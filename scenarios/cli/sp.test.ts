/**
 * `ciebench sp`: exit codes of bad input (2) and of an unreachable IdP metadata URL (3), in-process;
 * and `sp start` as a real process: it announces its URLs as one JSON line, serves its signed
 * metadata over HTTPS with the CA it wrote out, and exits 0 on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../emulator/src/package-root.ts';
import { runCli } from '../../harness/cli/testing/run-cli.ts';
import { standInIdp } from '../sp/stand-in/stand-in-idp.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-sp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const idpFile = join(dir, 'idp.xml');
writeFileSync(idpFile, standInIdp().metadataXml);
const notMetadata = join(dir, 'not-metadata.xml');
writeFileSync(notMetadata, '<x/>');

describe('ciebench sp: exit codes', () => {
  const cases: ReadonlyArray<readonly [2 | 3, readonly string[]]> = [
    [2, ['sp', 'start', '--idp-metadata', idpFile, '--port', '99999']],
    [2, ['sp', 'start', '--idp-metadata', idpFile, '--defect', 'no-such-defect']],
    [2, ['sp', 'start', '--idp-metadata', idpFile, '--binding', 'soap']],
    [2, ['sp', 'start', '--idp-metadata', join(dir, 'missing.xml')]],
    [2, ['sp', 'start', '--idp-metadata', notMetadata]],
    [2, ['sp', 'start', '--idp-metadata', idpFile, '--config', join(dir, 'missing.json')]],
    [3, ['sp', 'start', '--idp-metadata', 'https://127.0.0.1:1/idp/shibboleth?Metadata']],
    [2, ['sp', 'third-party', 'start', 'nosuch', '--idp-metadata', idpFile]],
  ];
  for (const [code, args] of cases)
    it(`${code} ← ciebench ${args.join(' ')}`, async () => {
      const r = await runCli(...args);
      expect(r.exitCode, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(/\S/);
    });
});

describe('ciebench sp start (a process)', () => {
  it('announces its URLs, serves signed metadata over HTTPS and exits 0 on SIGTERM', async () => {
    const caFile = join(dir, 'sp-ca.pem');
    const mdFile = join(dir, 'sp.xml');
    const child = spawn(
      process.execPath,
      [
        join(PACKAGE_ROOT, 'harness/cli/ciebench.mjs'),
        'sp',
        'start',
        '--idp-metadata',
        idpFile,
        '--json',
        '--write-ca',
        caFile,
        '--write-metadata',
        mdFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (c) => reject(new Error(`exited ${c} before announcing`)));
    });
    const announced = JSON.parse(line) as { urls: { metadata: string; entityId: string } };
    const body = await new Promise<string>((resolve, reject) => {
      request(announced.urls.metadata, { ca: readFileSync(caFile, 'utf8') }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe(readFileSync(mdFile, 'utf8'));
    expect(body).toContain(`entityID="${announced.urls.entityId}"`);
    expect(body).toContain('<ds:Signature');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
