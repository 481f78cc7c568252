/**
 * `ciebench idp federation …` and `ciebench idp oidc-client …`: the OpenID Connect side of the
 * running IdP, through its control API (the token of `running.json`).
 *
 * - `federation add-rp <entity-id>`: the bench trust anchor registers a relying party (its keys
 *   read from its Entity Configuration unless `--jwks` is given) and issues its trust mark, printed
 *   as the `trust_marks` member the RP puts in its Entity Configuration;
 * - `federation list`, `federation revoke <entity-id>`, `federation remove <entity-id>`;
 * - `oidc-client add <file>`: a statically registered client (for relying parties without OpenID
 *   Federation, such as mod_auth_openidc), held to the same metadata policy; `oidc-client list`.
 *
 * Exit codes: 0 ok, 2 refused input (bad entity ID, metadata breaking the policy), 3 the IdP is not
 * running, was started with `--no-oidc`, or cannot read the RP's Entity Configuration.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BenchError } from '../../emulator/src/host-error.ts';
import { IdpCliError } from './idp-options.ts';

/** How the control API answers, and what it means for the command line. */
export type ControlCall = (
  method: string,
  path: string,
  body: string,
  type: string,
) => Promise<{ status: number; body: string }>;

function answer(r: { status: number; body: string }, what: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  if (r.status === 404)
    throw new BenchError(
      'OIDC_OFF',
      `the running IdP has no OpenID Connect side (started with --no-oidc?): restart it without that option`,
      'environment',
    );
  if (r.status >= 200 && r.status < 300) return json;
  const message = (json as { message?: string } | undefined)?.message ?? r.body.slice(0, 500) ?? '';
  if (r.status === 502)
    throw new BenchError('RP_UNREACHABLE', `${what}: ${message}`, 'environment');
  throw new IdpCliError(`${what} refused: ${message}`);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new IdpCliError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IdpCliError(`${what} ${file} is not JSON: ${(e as Error).message}`);
  }
}

const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

interface AddRpCli {
  readonly profile?: string;
  readonly trustMarkLifetime?: string;
  readonly trustMark?: boolean;
  readonly jwks?: string;
  readonly organizationName?: string;
}

function addRpBody(entityId: string, o: AddRpCli): string {
  if (o.profile !== undefined && o.profile !== 'public' && o.profile !== 'private')
    throw new IdpCliError(`--profile must be public or private, not '${o.profile}'`);
  const lifetime = o.trustMarkLifetime === undefined ? undefined : Number(o.trustMarkLifetime);
  if (lifetime !== undefined && !Number.isInteger(lifetime))
    throw new IdpCliError(
      `--trust-mark-lifetime must be whole seconds, not '${o.trustMarkLifetime}'`,
    );
  return JSON.stringify({
    entityId,
    ...(o.profile ? { profile: o.profile } : {}),
    ...(lifetime !== undefined ? { trustMarkLifetimeS: lifetime } : {}),
    ...(o.trustMark === false ? { trustMark: false } : {}),
    ...(o.jwks ? { jwks: readJson(o.jwks, 'JWKS') } : {}),
    ...(o.organizationName ? { organisation: { organizationName: o.organizationName } } : {}),
  });
}

/** Adds the `federation` and `oidc-client` groups under `idp`. */
export function registerOidcCommands(idp: Command, control: ControlCall): void {
  const fed = idp
    .command('federation')
    .description('the bench trust anchor of the running IdP (OpenID Connect Federation)');
  fed
    .command('add-rp <entity-id>')
    .description(
      'register a relying party at the trust anchor and issue its trust mark (printed for its Entity Configuration)',
    )
    .option('--profile <profile>', 'trust mark profile: public | private (default public)')
    .option(
      '--trust-mark-lifetime <s>',
      'trust mark lifetime in seconds (default one year; negative: issued already expired)',
    )
    .option('--no-trust-mark', 'register without a trust mark (the OP then refuses the RP)')
    .option(
      '--jwks <file>',
      "the RP's federation JWKS (default: read from its Entity Configuration)",
    )
    .option('--organization-name <name>', 'organization_name of the subordinate statement')
    .action(async (entityId: string, o: AddRpCli) => {
      const body = addRpBody(entityId, o);
      const r = answer(
        await control('POST', '/federation/rps', body, 'application/json'),
        `registering ${entityId}`,
      ) as { trustMarks: unknown[]; warnings: string[] };
      for (const w of r.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      out({ trust_marks: r.trustMarks });
    });
  fed
    .command('list')
    .description('the subordinates of the trust anchor and their trust marks')
    .action(async () =>
      out(answer(await control('GET', '/federation/rps', '', 'text/plain'), 'list')),
    );
  fed
    .command('revoke <entity-id>')
    .description("revoke an entity's trust marks (trust_mark_status then answers inactive)")
    .option('--id <trust-mark-id>', 'only this trust mark')
    .action(async (entityId: string, o: { id?: string }) => {
      const body = JSON.stringify({ entityId, ...(o.id ? { id: o.id } : {}) });
      out(answer(await control('POST', '/federation/revoke', body, 'application/json'), 'revoke'));
    });
  fed
    .command('remove <entity-id>')
    .description('remove a subordinate (its chain then no longer reaches the anchor)')
    .action(async (entityId: string) => {
      const body = JSON.stringify({ entityId });
      out(answer(await control('POST', '/federation/remove', body, 'application/json'), 'remove'));
    });
  const clients = idp
    .command('oidc-client')
    .description(
      'statically registered OpenID Connect clients (relying parties without federation)',
    );
  clients
    .command('add <file>')
    .description('register a client: JSON with client_id, redirect_uris, jwks and RP metadata')
    .action(async (file: string) => {
      const body = JSON.stringify(readJson(file, 'client metadata'));
      out(answer(await control('POST', '/oidc/clients', body, 'application/json'), 'client'));
    });
  clients
    .command('list')
    .description('the statically registered client_ids')
    .action(async () =>
      out(answer(await control('GET', '/oidc/clients', '', 'text/plain'), 'list')),
    );
}
