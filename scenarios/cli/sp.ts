/**
 * `ciebench sp start`: runs the reference CIE service provider until stopped. It prints its URLs
 * (home page with "Entra con CIE", metadata, ACS), writes its signed metadata where asked (to
 * register at the IdP) and the CA of its HTTPS certificate (for the browser to trust).
 *
 * `ciebench sp third-party start|check`: SimpleSAMLphp and the Shibboleth SP from Debian, configured
 * for CIE (scenarios/sp/third-party/).
 *
 * Exit codes: 0 stopped normally (or the check passed), 1 the check failed, 2 bad options,
 * configuration or metadata file, 3 the IdP metadata URL is unreachable or a Debian package is
 * missing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT_CODES, HostError, type FailureKind } from '../../emulator/src/host-error.ts';
import { SP_DEFECTS, type SpOptionsInput } from '../sp/config.ts';
import { loadIdpMetadataXml } from '../sp/metadata-source.ts';
import { startServiceProvider } from '../sp/service-provider.ts';
import { checkThirdPartySp, START_THIRD_PARTY } from '../sp/third-party/check.ts';
import { thirdPartyStatus, thirdPartyVersions } from '../sp/third-party/environment.ts';
import type { ThirdPartyKind } from '../sp/third-party/instance.ts';

interface StartFlags {
  idpMetadata: string;
  idpCa?: string;
  host: string;
  port: string;
  http?: boolean;
  publicUrl?: string;
  entityId?: string;
  binding: string;
  level: string;
  comparison: string;
  acsBy: string;
  config?: string;
  defect: string[];
  writeMetadata?: string;
  writeCa?: string;
  json?: boolean;
}

/** A bad option or file given to `ciebench sp` (exit 2). */
class SpCliError extends HostError {
  readonly code = 'SP_CLI';
}

/** A Debian package a third-party SP needs is missing (exit 3). */
class SpEnvironmentError extends HostError {
  readonly code = 'SP_ENV';
  override get kind(): FailureKind {
    return 'environment';
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new SpCliError(`--config ${file}: ${(e as Error).message}`);
  }
}

async function start(flags: StartFlags): Promise<void> {
  const input = {
    ...(flags.config ? readConfigFile(flags.config) : {}),
    protocol: flags.http ? 'http' : 'https',
    host: flags.host,
    port: Number(flags.port),
    binding: flags.binding,
    level: flags.level,
    comparison: flags.comparison,
    acsBy: flags.acsBy,
    defects: flags.defect,
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    ...(flags.entityId ? { entityId: flags.entityId } : {}),
  } as SpOptionsInput;
  const caPem = flags.idpCa ? readFileSync(flags.idpCa, 'utf8') : undefined;
  const idpMetadataXml = await loadIdpMetadataXml(flags.idpMetadata, caPem);
  const sp = await startServiceProvider(input, { idpMetadataXml });
  if (flags.writeMetadata) writeFileSync(flags.writeMetadata, sp.metadataXml);
  if (flags.writeCa && sp.tlsCaPem) writeFileSync(flags.writeCa, sp.tlsCaPem);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  if (flags.json) {
    say(
      JSON.stringify({
        urls: sp.urls,
        idp: sp.idp.entityId,
        controlToken: sp.controlToken,
        defects: sp.options.defects,
      }),
    );
  } else {
    say(`CIE Bench reference SP on ${sp.urls.base}`);
    say(`  home ("Entra con CIE")  ${sp.urls.base}/`);
    say(
      `  metadata (signed)       ${sp.urls.metadata}${flags.writeMetadata ? `  (written to ${flags.writeMetadata})` : ''}`,
    );
    say(`  entityID                ${sp.urls.entityId}`);
    say(`  ACS (HTTP-POST)         ${sp.urls.acs}`);
    say(`  IdP                     ${sp.idp.entityId}`);
    if (sp.tlsCaPem)
      say(
        `  HTTPS CA                ${flags.writeCa ?? '(use --write-ca FILE to save it for the browser)'}`,
      );
    if (sp.options.defects.length > 0)
      say(`  DEFECTS (deliberately non-conformant): ${sp.options.defects.join(', ')}`);
    say('Register the metadata at the IdP, open the home page, Ctrl-C to stop.');
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => void sp.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function kindOf(text: string): ThirdPartyKind {
  if (text === 'simplesamlphp' || text === 'shibboleth') return text;
  throw new SpCliError(`unknown SP '${text}' (simplesamlphp or shibboleth)`);
}

function needInstalled(kind: ThirdPartyKind): void {
  const s = thirdPartyStatus(kind);
  if (!s.ok) throw new SpEnvironmentError(s.reason);
}

interface ThirdPartyFlags {
  idpMetadata: string;
  idpCa?: string;
  port?: string;
  writeMetadata?: string;
  writeCa?: string;
  keep?: boolean;
}

async function startThirdParty(kindText: string, flags: ThirdPartyFlags): Promise<void> {
  const kind = kindOf(kindText);
  needInstalled(kind);
  const caPem = flags.idpCa ? readFileSync(flags.idpCa, 'utf8') : undefined;
  const idpMetadataXml = await loadIdpMetadataXml(flags.idpMetadata, caPem);
  const sp = await START_THIRD_PARTY[kind]({
    idpMetadataXml,
    ...(flags.port ? { port: Number(flags.port) } : {}),
    ...(flags.keep ? { keepDir: true } : {}),
  });
  if (flags.writeMetadata) writeFileSync(flags.writeMetadata, sp.metadataXml);
  if (flags.writeCa) writeFileSync(flags.writeCa, sp.tlsCaPem);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(`${kind} SP on ${sp.baseUrl} (instance ${sp.dir})`);
  say(`  home ("Entra con CIE")  ${sp.homeUrl}`);
  say(`  entityID                ${sp.entityId}`);
  say(`  ACS                     ${sp.acsUrl}`);
  say(`  CIE metadata            ${flags.writeMetadata ?? '(use --write-metadata FILE)'}`);
  say('Register the metadata at the IdP, open the home page, Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    const stop = (): void => void sp.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function checkThirdParty(kinds: string[]): Promise<void> {
  const list = (kinds.length > 0 ? kinds : ['simplesamlphp', 'shibboleth']).map(kindOf);
  for (const [p, v] of Object.entries(thirdPartyVersions())) process.stdout.write(`${p} ${v}\n`);
  for (const kind of list) needInstalled(kind);
  let failed = false;
  for (const kind of list) {
    for (const s of await checkThirdPartySp(kind)) {
      process.stdout.write(`${s.ok ? 'PASS' : 'FAIL'} ${kind} ${s.step}: ${s.detail}\n`);
      if (!s.ok) failed = true;
    }
  }
  if (failed) process.exitCode = EXIT_CODES.verdict;
}

export function register(program: Command): void {
  const sp = program.command('sp');
  sp.command('start')
    .description(
      'run the reference SP ("Entra con CIE" home page, signed metadata, ACS) until stopped',
    )
    .requiredOption('--idp-metadata <file|url>', 'the IdP metadata (file, or http(s) URL)')
    .option('--idp-ca <pem>', 'extra CA to trust when fetching the IdP metadata over HTTPS')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '0')
    .option('--http', 'plain HTTP instead of HTTPS (loopback testing)')
    .option('--public-url <url>', 'base URL the browser uses, if not protocol://host:port')
    .option('--entity-id <id>', 'entityID (default <base URL>/metadata)')
    .option('--binding <redirect|post>', 'default AuthnRequest binding', 'redirect')
    .option('--level <SpidL1|SpidL2|SpidL3>', 'requested authentication level', 'SpidL3')
    .option('--comparison <exact|minimum>', 'RequestedAuthnContext Comparison', 'exact')
    .option('--acs-by <url|index>', 'name the ACS by URL + ProtocolBinding or by index', 'url')
    .option(
      '--config <json>',
      'SP options file (organization, administrativeContact, technicalContact, …)',
    )
    .option(
      '--defect <name>',
      `deliberately skip a check (repeatable): ${SP_DEFECTS.join(', ')}`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--write-metadata <file>', 'write the signed SP metadata to a file')
    .option('--write-ca <file>', 'write the CA of the HTTPS certificate (PEM)')
    .option('--json', 'print one JSON line (urls, control token) instead of text')
    .action((flags: StartFlags) => start(flags));

  const third = sp
    .command('third-party')
    .description('SimpleSAMLphp and Shibboleth SP (Debian packages) configured for CIE');
  third
    .command('start <simplesamlphp|shibboleth>')
    .description('run a third-party SP configured for the given IdP until stopped')
    .requiredOption('--idp-metadata <file|url>', 'the IdP metadata (file, or http(s) URL)')
    .option('--idp-ca <pem>', 'extra CA to trust when fetching the IdP metadata over HTTPS')
    .option('--port <n>', 'HTTPS port on 127.0.0.1 (default: a free one)')
    .option('--write-metadata <file>', "write the SP's CIE metadata (register it at the IdP)")
    .option('--write-ca <file>', 'write the CA of its HTTPS certificate (PEM)')
    .option('--keep', 'keep the instance directory (configuration and logs) after stopping')
    .action((kind: string, flags: ThirdPartyFlags) => startThirdParty(kind, flags));
  third
    .command('check [kinds...]')
    .description(
      'start each SP against a stand-in IdP, log in with a signed CIE response, stop (installation check)',
    )
    .action((kinds: string[]) => checkThirdParty(kinds));
}
