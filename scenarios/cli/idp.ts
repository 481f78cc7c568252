/**
 * `ciebench idp …`: the bench's reference CIE identity provider.
 *
 * - `idp start` runs it on loopback until stopped (Ctrl-C), prints its URLs, the control token and
 *   the bench TLS CA, registers the SP metadata given, and writes `$CIEBENCH_HOME/idp/running.json`
 *   (owner-only) so the other sub-commands find it;
 * - `idp check-sp <metadata.xml>` reports the CIE metadata rules an SP breaks (exit 1 if refused);
 * - `idp register <metadata.xml>` and `idp inject --code N` talk to the running IdP's control API.
 *
 * Exit codes: 0 ok, 1 refused (metadata), 2 bad input, 3 environment (port busy, IdP not running);
 * errors are host errors turned into exit codes by the command-line root.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  BenchError,
  EXIT_CODES,
  HostError,
  type FailureKind,
} from '../../emulator/src/host-error.ts';
import { ciebenchHome } from '../../emulator/src/state/pki-revocations.ts';
import { startIdp } from '../idp/server.ts';
import { checkSpMetadata, formatReport } from '../idp/sp-registry/sp-rules.ts';
import { HttpClient } from '../idp/client/https-client.ts';
import { IdpCliError, toStartOptions, type StartCliOptions } from './idp-options.ts';

const runningFile = (): string => join(ciebenchHome(), 'idp', 'running.json');

const runningSchema = z
  .object({
    url: z.string().url(),
    token: z.string(),
    ca: z.string(),
    spki: z.string(),
    hostResolverRules: z.string().optional(),
  })
  .strict();

/** The IdP the other sub-commands talk to is not running (exit 3). */
export class IdpNotRunningError extends HostError {
  readonly code = 'IDP_NOT_RUNNING';
  override get kind(): FailureKind {
    return 'environment';
  }
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

async function start(raw: StartCliOptions): Promise<void> {
  const { options, cli } = toStartOptions(raw);
  const idp = await startIdp(options).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES')
      throw new BenchError(
        'PORT_UNAVAILABLE',
        `cannot listen: ${e.message} (choose other ports with --port, --desktop-port, --mtls-port)`,
        'environment',
      );
    throw e;
  });
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  out(
    `CIE Bench TEST identity provider (${idp.mode === 'bench' ? 'bench' : `impersonating ${idp.mode}`})`,
  );
  out(`  entityID        ${idp.urls.entityId}`);
  out(`  metadata        ${idp.urls.metadata}`);
  out(`  SSO             ${idp.urls.ssoRedirect}  |  ${idp.urls.ssoPost}`);
  out(`  desktop TLS 1.2 ${idp.urls.desktop}/idp/Authn/X509 (client certificate)`);
  out(`  mutual TLS      ${idp.urls.mtls}/idp/Authn/SSL/Login2`);
  out(
    `  listening on    ${options.listen}: ${idp.ports.main}, ${idp.ports.desktop}, ${idp.ports.mtls}`,
  );
  if (idp.hostResolverRules)
    out(`  Chromium        --host-resolver-rules="${idp.hostResolverRules}"`);
  out(`  Chromium trust  --ignore-certificate-errors-spki-list=${idp.tlsSpkiSha256}`);
  out(
    `  a browser       ciebench idp browser [url]   (Chromium with these two flags, nothing installed)`,
  );
  out(`  control token   ${idp.controlToken}`);
  for (const r of idp.registrations) out(formatReport(r.report));
  if (idp.registrations.length === 0)
    out('  no SP registered yet: ciebench idp register <metadata.xml>');
  const dir = join(ciebenchHome(), 'idp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'ca.pem'), idp.tlsCaPem);
  writeFileSync(
    runningFile(),
    JSON.stringify({
      url: idp.urls.base,
      token: idp.controlToken,
      ca: join(dir, 'ca.pem'),
      spki: idp.tlsSpkiSha256,
      ...(idp.hostResolverRules ? { hostResolverRules: idp.hostResolverRules } : {}),
    }),
    { mode: 0o600 },
  );
  out(`  bench TLS CA    ${join(dir, 'ca.pem')}`);
  if (cli.exportMetadata) writeFileSync(cli.exportMetadata, idp.metadata());
  if (cli.exportCa) writeFileSync(cli.exportCa, idp.tlsCaPem);
  out('Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  rmSync(runningFile(), { force: true });
  await idp.close();
}

function running(): z.infer<typeof runningSchema> {
  try {
    return runningSchema.parse(JSON.parse(readFileSync(runningFile(), 'utf8')));
  } catch {
    throw new IdpNotRunningError(
      `no running IdP found (${runningFile()}): start one with 'ciebench idp start'`,
    );
  }
}

async function control(
  method: string,
  path: string,
  body: string,
  type: string,
): Promise<{ status: number; body: string }> {
  const r = running();
  const c = new HttpClient(readFileSync(r.ca, 'utf8'));
  const u = new URL(`/ciebench/control${path}`, r.url);
  try {
    return await c.requestWithHeaders(method, u.toString(), body, type, {
      Authorization: `Bearer ${r.token}`,
    });
  } catch (e) {
    throw new IdpNotRunningError(
      `the IdP at ${r.url} does not answer (${(e as Error).message}); is it still running?`,
    );
  }
}

/** `idp browser [url]`: Chromium trusting the running IdP (and mapping its real host names). */
async function browser(url: string | undefined, o: { headless?: boolean }): Promise<void> {
  // Loaded here only: playwright-core is a development dependency, `idp start` must not need it.
  const { CHROMIUM, launchChromium } = await import('../idp/browser/chromium.ts').catch(
    (e: Error) => {
      throw new BenchError(
        'BROWSER_DRIVER_MISSING',
        `playwright-core is not installed (${e.message})`,
        'environment',
      );
    },
  );
  if (!existsSync(CHROMIUM))
    throw new BenchError(
      'BROWSER_MISSING',
      `${CHROMIUM} is missing: apt-get install chromium`,
      'environment',
    );
  const headless = o.headless ?? false;
  if (!headless && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'])
    throw new BenchError(
      'NO_DISPLAY',
      'no display for a Chromium window: use --headless, or run under xvfb-run',
      'environment',
    );
  const r = running();
  const b = await launchChromium(
    {
      tlsSpkiSha256: r.spki,
      ...(r.hostResolverRules ? { hostResolverRules: r.hostResolverRules } : {}),
    },
    { headless },
  );
  const page = await b.context.newPage();
  if (url)
    await page.goto(url).catch((e: Error) => {
      process.stderr.write(`ciebench idp browser: ${url}: ${e.message.split('\n')[0]}\n`);
    });
  process.stdout.write(`Chromium is open (${page.url()}); close it (or Ctrl-C) to stop.\n`);
  await new Promise<void>((resolve) => {
    b.context.on('close', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await b.close().catch(() => undefined);
}

export function register(program: Command): void {
  const idp = program
    .command('idp')
    .description('the reference CIE identity provider (SAML 2.0, level 3)');
  idp
    .command('start')
    .description('run the IdP on loopback until stopped')
    .option(
      '--as <mode>',
      'bench | preprod | prod (serve the real entityID and URLs on loopback)',
      'bench',
    )
    .option('--listen <ip>', 'listen address (loopback unless told)', '127.0.0.1')
    .option('--port <n>', 'main HTTPS port', '8443')
    .option('--desktop-port <n>', 'desktop client-certificate port (TLS 1.2)', '8444')
    .option('--mtls-port <n>', 'mobile mutual-TLS port (Login2)', '8445')
    .option('--seed <seed>', 'seed of the IdP TLS and signing keys')
    .option('--sp-metadata <dir>', 'register every *.xml SP metadata file of a folder')
    .option('--sp <file>', 'register one SP metadata file (repeatable)', collect, [])
    .option(
      '--trust-ca <file>',
      'also trust this citizen-authentication CA, PEM or DER (repeatable)',
      collect,
      [],
    )
    .option('--no-bench-ca', 'do not trust the bench TEST citizen-authentication CA')
    .option(
      '--crl <file>',
      'CRL file to check cards against, PEM or DER (repeatable; re-read when it changes)',
      collect,
      [],
    )
    .option(
      '--citizens <path>',
      'card image (or folder of images) whose citizens join the registry (repeatable)',
      collect,
      [],
    )
    .option('--qr-lifetime <s>', 'hybrid QR lifetime in seconds (default 120)')
    .option('--qr-poll <ms>', 'QR page polling interval (default 5000)')
    .option('--otp-lifetime <s>', 'OTP lifetime in seconds (default 120)')
    .option('--otp-tries <n>', 'OTP tries (default 3)')
    .option('--login-budget <s>', 'time budget of a login before SAML error 21 (default 600)')
    .option('--hybrid-challenge <kind>', 'what the app signs: opid | nonce (default opid)')
    .option('--handoff <form>', 'mobile hand-off URL: openapp | livello3 (default openapp)')
    .option('--flow-key-name <name>', 'flow-key parameter: value | execution (default value)')
    .option(
      '--no-serial-check',
      "do not require the certificate's serialNumber to be IDCIT-<typed serial>",
    )
    .option('--otp-exhausted <what>', 'after the last wrong OTP: restart | cancel (SAML 25)')
    .option('--flow <flow>', 'auto | desktop | mobile (ignore the User-Agent)')
    .option('--idp-name <name>', 'IdPName in the QR (default "CieID Server")')
    .option('--token <token>', 'control API token (random by default)')
    .option('--export-metadata <file>', 'write the IdP metadata to a file')
    .option('--export-ca <file>', 'write the bench TLS CA (PEM) to a file')
    .action((opts: StartCliOptions) => start(opts));
  idp
    .command('browser [url]')
    .description(
      'open Chromium trusting the running IdP (and, with --as, resolving the real IdP hosts to it)',
    )
    .option('--headless', 'without a window (for scripts)')
    .action((url: string | undefined, o: { headless?: boolean }) => browser(url, o));
  idp
    .command('check-sp <metadata>')
    .description('check an SP metadata file against the CIE rules and print a report')
    .action((file: string) => {
      const { report } = checkSpMetadata(readFileSync(file, 'utf8'), new Date());
      process.stdout.write(`${formatReport(report)}\n`);
      if (!report.ok) process.exitCode = EXIT_CODES.verdict;
    });
  idp
    .command('register <metadata>')
    .description('register SP metadata with the running IdP (refused metadata: report, exit 1)')
    .action(async (file: string) => {
      const xml = readFileSync(file, 'utf8');
      const r = await control('POST', '/sps', xml, 'application/xml');
      const j = JSON.parse(r.body) as { report?: Parameters<typeof formatReport>[0] };
      process.stdout.write(`${j.report ? formatReport(j.report) : r.body}\n`);
      if (r.status !== 201) process.exitCode = EXIT_CODES.verdict;
    });
  idp
    .command('inject')
    .description(
      'make the running IdP answer with a chosen code (1 = success) for the next request or one SP',
    )
    .requiredOption('--code <n>', 'error code (2–18, 21–23, 25) or 1')
    .option('--sp <entityID>', 'only for this SP')
    .option('--times <n>', 'for this many requests', '1')
    .option('--fiscal-code <cf>', 'citizen of a code-1 success')
    .action(async (o: { code: string; sp?: string; times: string; fiscalCode?: string }) => {
      const body = JSON.stringify({
        code: Number(o.code),
        times: Number(o.times),
        ...(o.sp ? { sp: o.sp } : {}),
        ...(o.fiscalCode ? { fiscalCode: o.fiscalCode } : {}),
      });
      const r = await control('POST', '/inject', body, 'application/json');
      if (r.status !== 201) throw new IdpCliError(`the IdP refused the injection: ${r.body}`);
      process.stdout.write(`${r.body}\n`);
    });
}
