/**
 * `ciebench sp start`: runs the reference CIE service provider until stopped. It prints its URLs
 * (home page with "Entra con CIE", metadata, ACS), writes its signed metadata where asked (to
 * register at the IdP) and the CA of its HTTPS certificate (for the browser to trust).
 *
 * Exit codes: 0 stopped normally, 2 bad options or configuration, 3 the IdP metadata could not be
 * read (environment).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SpConfigError, SP_DEFECTS, type SpOptionsInput } from '../sp/config.ts';
import { loadIdpMetadataXml, MetadataSourceError } from '../sp/metadata-source.ts';
import { startServiceProvider } from '../sp/service-provider.ts';
import { XmlInputError } from '../sp/xml.ts';

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

class SpCliError extends Error {
  readonly code = 'SP_CLI';
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

function exitCodeOf(e: unknown): number {
  if (e instanceof MetadataSourceError) return 3;
  if (e instanceof SpConfigError || e instanceof SpCliError || e instanceof XmlInputError) return 2;
  return 1;
}

export function register(program: Command): void {
  const sp = program.command('sp').description('reference CIE service provider (SAML 2.0)');
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
    .action(async (flags: StartFlags) => {
      try {
        await start(flags);
      } catch (e) {
        const err = e as Error & { code?: string };
        process.stderr.write(`ciebench sp: ${err.code ? `[${err.code}] ` : ''}${err.message}\n`);
        process.exitCode = exitCodeOf(e);
      }
    });
}
