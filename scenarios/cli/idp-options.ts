/**
 * The options of `ciebench idp start`, validated with zod and turned into {@link StartIdpOptions}.
 * Names follow L3-PROTOCOL.md §8 (every non-public behaviour is an option).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { HostError } from '../../emulator/src/host-error.ts';
import { readCardImage } from '../../emulator/src/state/image-file.ts';
import type { StartIdpOptions } from '../idp/server.ts';
import { CitizenRegistry } from '../idp/trust/citizens.ts';

export class IdpCliError extends HostError {
  readonly code = 'IDP_OPTION';
}

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().positive().max(86_400);

export const startOptionsSchema = z
  .object({
    as: z.enum(['bench', 'preprod', 'prod']).default('bench'),
    listen: z
      .string()
      .regex(/^[0-9a-fA-F.:]+$/, 'an IP address')
      .default('127.0.0.1'),
    port: port.default(8443),
    desktopPort: port.default(8444),
    mtlsPort: port.default(8445),
    seed: z.string().min(1).max(200).optional(),
    spMetadata: z.string().optional(),
    sp: z.array(z.string()).default([]),
    trustCa: z.array(z.string()).default([]),
    benchCa: z.boolean().default(true),
    crl: z.array(z.string()).default([]),
    citizens: z.array(z.string()).default([]),
    qrLifetime: seconds.optional(),
    qrPoll: z.coerce.number().int().min(100).max(60_000).optional(),
    otpLifetime: seconds.optional(),
    otpTries: z.coerce.number().int().min(1).max(20).optional(),
    loginBudget: seconds.optional(),
    hybridChallenge: z.enum(['opid', 'nonce']).optional(),
    handoff: z.enum(['openapp', 'livello3']).optional(),
    flowKeyName: z.enum(['value', 'execution']).optional(),
    serialCheck: z.boolean().default(true),
    otpExhausted: z.enum(['restart', 'cancel']).optional(),
    flow: z.enum(['auto', 'desktop', 'mobile']).optional(),
    idpName: z.string().min(1).max(100).optional(),
    token: z.string().min(16).max(200).optional(),
    exportMetadata: z.string().optional(),
    exportCa: z.string().optional(),
  })
  .strict();

export type StartCliOptions = z.input<typeof startOptionsSchema>;

/** PEM (one or more certificates) or DER → DER certificates. */
export function readCertificates(file: string): Uint8Array[] {
  const buf = readFileSync(file);
  const text = buf.toString('latin1');
  const pems = [
    ...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g),
  ];
  if (pems.length > 0)
    return pems.map(
      (m) => new Uint8Array(Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64')),
    );
  return [new Uint8Array(buf)];
}

function readOrFail(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new IdpCliError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

export function toStartOptions(raw: StartCliOptions): {
  options: StartIdpOptions;
  cli: z.output<typeof startOptionsSchema>;
} {
  const parsed = startOptionsSchema.safeParse(raw);
  if (!parsed.success)
    throw new IdpCliError(
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const o = parsed.data;
  const citizens = CitizenRegistry.withDefaults();
  for (const f of o.citizens) {
    const stat = readdirSafe(f);
    for (const file of stat ?? [f]) citizens.addImage(readCardImage(file));
  }
  const ms = (s: number | undefined): number | undefined =>
    s === undefined ? undefined : Math.round(s * 1000);
  const timers = Object.fromEntries(
    Object.entries({
      qrLifetimeMs: ms(o.qrLifetime),
      qrPollMs: o.qrPoll,
      otpLifetimeMs: ms(o.otpLifetime),
      otpTries: o.otpTries,
      loginBudgetMs: ms(o.loginBudget),
    }).filter(([, v]) => v !== undefined),
  );
  const behaviour = Object.fromEntries(
    Object.entries({
      hybridChallenge: o.hybridChallenge,
      handoff: o.handoff,
      flowKeyName: o.flowKeyName,
      serialCheck: o.serialCheck,
      otpExhausted: o.otpExhausted,
      flow: o.flow,
      idpName: o.idpName,
    }).filter(([, v]) => v !== undefined),
  );
  const options: StartIdpOptions = {
    mode: o.as,
    listen: o.listen,
    ports: { main: o.port, desktop: o.desktopPort, mtls: o.mtlsPort },
    ...(o.seed ? { seed: o.seed } : {}),
    timers,
    behaviour,
    trustCas: o.trustCa.flatMap(readCertificates),
    trustBenchCa: o.benchCa,
    ...(o.crl.length > 0 ? { crlFiles: o.crl } : {}),
    citizens,
    spMetadata: o.sp.map((f) => readOrFail(f, 'SP metadata')),
    ...(o.spMetadata ? { spMetadataDir: o.spMetadata } : {}),
    ...(o.token ? { controlToken: o.token } : {}),
  };
  return { options, cli: o };
}

function readdirSafe(path: string): string[] | undefined {
  try {
    return readdirSync(path)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(path, f));
  } catch {
    return undefined;
  }
}
