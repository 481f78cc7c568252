/**
 * A Shibboleth SP 3.4 (Debian `libapache2-mod-shib` + `shibboleth-sp-utils`) set up for "Entra
 * con CIE" against a given IdP: shibboleth2.xml, attribute map, error template and loggers from
 * the templates next to this file, the IdP metadata as a file, `shibd -F` and a private Apache
 * with mod_shib, both children of this process (no systemd). As root both run as `www-data`.
 *
 * Shibboleth's URLs: ACS `/Shibboleth.sso/SAML2/POST`, login `/Shibboleth.sso/Login`, SLO
 * `/Shibboleth.sso/SLO/Redirect`; entityID `<base>/shibboleth` (its convention).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { packageFile } from '../../../emulator/src/package-root.ts';
import { parseIdpMetadata } from '../idp-metadata.ts';
import {
  apacheCommon,
  fillTemplate,
  freePort,
  handOver,
  serviceUser,
  startApache,
  ThirdPartySpError,
} from './apache.ts';
import {
  cieMetadata,
  createInstanceDir,
  removeDir,
  writeFiles,
  type ThirdPartyOptions,
  type ThirdPartySp,
} from './instance.ts';

// Templates ship with the package (found the same way from the sources and from dist/).
const tpl = (name: string): string =>
  readFileSync(packageFile('scenarios/sp/third-party', name), 'utf8');

export const SHIBD_BIN = '/usr/sbin/shibd';

function waitForSocket(
  path: string,
  child: ChildProcess,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const fail = (why: string): void =>
      reject(new ThirdPartySpError('SP_SHIBD_START', `${why}\n${log()}`));
    child.once('exit', (code) => fail(`shibd exited with code ${code} while starting`));
    const attempt = (): void => {
      if (child.exitCode !== null) return;
      const s = connect(path);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) fail(`shibd did not open ${path} within ${timeoutMs} ms`);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function startShibd(dir: string, log: () => string): Promise<ChildProcess> {
  const user = serviceUser() ? ['-u', 'www-data', '-g', 'www-data'] : [];
  const child = spawn(
    SHIBD_BIN,
    ['-F', '-f', '-c', join(dir, 'shibboleth2.xml'), '-p', join(dir, 'run/shibd.pid'), ...user],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin', LANG: 'C' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  return waitForSocket(join(dir, 'run/shibd.sock'), child, 60_000, () => `${stderr}${log()}`).then(
    () => child,
    (e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    },
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startShibbolethSp(o: ThirdPartyOptions): Promise<ThirdPartySp> {
  const idp = parseIdpMetadata(o.idpMetadataXml);
  const base = createInstanceDir('shibboleth', o);
  const { dir, host } = base;
  const port = o.port ?? (await freePort(host));
  const baseUrl = `https://${host}:${port}`;
  const endpoints = {
    entityId: `${baseUrl}/shibboleth`,
    acs: `${baseUrl}/Shibboleth.sso/SAML2/POST`,
    slo: `${baseUrl}/Shibboleth.sso/SLO/Redirect`,
  };
  const d = (rel: string): string => join(dir, rel);
  const level = o.verbose ? 'DEBUG' : 'INFO';
  const idpLogout = idp.sloRedirect ?? `${baseUrl}/`;
  writeFiles(dir, {
    'shibboleth2.xml': fillTemplate(
      tpl('shibboleth/shibboleth2.xml.tpl'),
      {
        DIR: dir,
        ENTITY_ID: endpoints.entityId,
        IDP_ENTITY_ID: idp.entityId,
        IDP_ORIGIN: `${new URL(idpLogout).origin}/`,
      },
      'shibboleth2.xml',
    ),
    'attribute-map.xml': tpl('shibboleth/attribute-map.xml'),
    'sessionError.html': tpl('shibboleth/sessionError.html'),
    'shibd.logger': fillTemplate(
      tpl('shibboleth/shibd.logger.tpl'),
      { DIR: dir, LEVEL: level },
      'shibd.logger',
    ),
    'native.logger': fillTemplate(
      tpl('shibboleth/native.logger.tpl'),
      { DIR: dir, LEVEL: level },
      'native.logger',
    ),
    'idp-metadata.xml': o.idpMetadataXml,
    'cert/sp-signing.key': base.signing.keyPem,
    'cert/sp-signing.crt': base.signing.certPem,
    'tls/server.key': base.tls.keyPem,
    'tls/server.crt': base.tls.certPem,
    'www/index.html': tpl('shibboleth/index.html'),
    'www/secure/index.php': tpl('shibboleth/secure-index.php'),
    'apache/httpd.conf': fillTemplate(
      tpl('shibboleth/httpd.conf.tpl'),
      {
        APACHE_COMMON: apacheCommon(tpl('apache-common.conf.tpl'), {
          serverName: `${baseUrl}`,
          host,
          port,
          runDir: d('run'),
          logDir: d('log'),
          tlsCert: d('tls/server.crt'),
          tlsKey: d('tls/server.key'),
          ...(o.verbose ? { logLevel: 'info' } : {}),
        }),
        DIR: dir,
        IDP_LOGOUT: idpLogout,
      },
      'httpd.conf',
    ),
    'run/.keep': '',
    'log/.keep': '',
  });
  handOver(dir);
  const read = (rel: string): string => (existsSync(d(rel)) ? readFileSync(d(rel), 'utf8') : '');
  const logs = (): string =>
    ['log/error.log', 'log/shibd.log', 'log/native.log', 'log/transaction.log']
      .map((f) => `--- ${f}\n${read(f)}`)
      .join('\n');
  let shibd: ChildProcess | undefined;
  let apache;
  try {
    shibd = await startShibd(dir, logs);
    apache = await startApache(d('apache/httpd.conf'), host, port, d('log'));
  } catch (e) {
    if (shibd) await stopChild(shibd);
    removeDir(dir, o.keepDir);
    throw e;
  }
  const running = shibd;
  return {
    kind: 'shibboleth',
    dir,
    baseUrl,
    homeUrl: `${baseUrl}/`,
    loginUrl: `${baseUrl}/Shibboleth.sso/Login?target=${encodeURIComponent('/secure/')}`,
    entityId: endpoints.entityId,
    acsUrl: endpoints.acs,
    sloUrl: endpoints.slo,
    metadataXml: cieMetadata(o, endpoints, base.signing),
    tlsCaPem: base.tlsCaPem,
    logs,
    stop: async () => {
      await apache.stop();
      await stopChild(running);
      removeDir(dir, o.keepDir);
    },
  };
}
