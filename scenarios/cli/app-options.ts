/**
 * Options shared by the `ciebench app …` commands: which channel reaches the card (`--nfc`,
 * `--reader`, `--card`), the profile directory, trust anchors, the phone, the IdP, and how secrets
 * are read (an option, an environment variable, or a masked prompt — never echoed, never logged).
 */
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { BenchError } from '../../emulator/src/host-error.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { resolveCardSpec, trustOfImage } from '../../harness/cards/card-registry.ts';
import { CieIdAgent } from '../app/agent.ts';
import type { PinPolicy, TrustConfig } from '../app/app-context.ts';
import {
  InProcessCardReader,
  NfcCardReader,
  PcscCardReader,
  type CardReader,
} from '../app/card-reader.ts';

export const DEFAULT_NFC = 'ws://127.0.0.1:35990';
export const DEFAULT_IDP = 'https://127.0.0.1:8443';

/** Bad command-line input (exit code 2). */
export class AppCliError extends BenchError {
  constructor(message: string) {
    super('APP_CLI_USAGE', message, 'input');
  }
}

export interface AppCliOptions {
  nfc?: string;
  reader?: string | boolean;
  card?: string;
  profile?: string;
  trustCard?: string;
  csca?: string[];
  holderCa?: string[];
  crl?: string[];
  platform?: string;
  aosp?: boolean;
  extendedLength?: string;
  pinPolicy?: string;
  allowLastTry?: boolean;
  idp?: string;
  idpCa?: string;
  resolve?: string[];
  json?: boolean;
  showSecrets?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function commonOptions(cmd: Command): Command {
  return cmd
    .option('--nfc <url>', `the card through the WebSocket NFC endpoint (default ${DEFAULT_NFC})`)
    .option('--reader [name]', 'the card in a PC/SC reader, behind the last-try PIN guard')
    .option(
      '--card <image>',
      'an emulated card in this process (PIN/PUK state written back to the image)',
    )
    .option('--profile <dir>', 'the app profile directory (default ~/.ciebench/app)')
    .option(
      '--trust-card <image>',
      'trust the test PKI this card image was issued under (default: the default card image)',
    )
    .option(
      '--csca <file>',
      'a CSCA certificate (PEM or DER) for EF.SOD checks; repeatable',
      collect,
    )
    .option(
      '--holder-ca <file>',
      'a citizen-authentication CA certificate (PEM or DER); repeatable',
      collect,
    )
    .option('--crl <file>', 'a CRL (DER) of a citizen-authentication CA; repeatable', collect)
    .option('--platform <p>', 'android | ios (the card command style)', 'android')
    .option(
      '--aosp',
      "the phone of AOSP's default NFC stack: max transceive 261 bytes, no extended length",
    )
    .option('--extended-length <policy>', 'require (as the official SDKs) | when-needed', 'require')
    .option(
      '--pin-policy <policy>',
      'app (rebuild the PIN and try, as the apps do) | guarded (never spend a try blindly)',
      'app',
    )
    .option('--allow-last-try', 'with --reader: let a VERIFY use the last PIN/PUK try')
    .option('--idp <origin>', `the IdP (default ${DEFAULT_IDP})`)
    .option('--idp-ca <pem>', "CA certificate for the IdP's TLS (the bench TEST TLS CA)")
    .option(
      '--resolve <host=ip>',
      'resolve an IdP host name to an address (impersonation); repeatable',
      collect,
    )
    .option('--show-secrets', 'do not mask PIN digits in the output')
    .option('--json', 'print the result as JSON');
}

function certFile(path: string): Uint8Array {
  const raw = readFileSync(path);
  try {
    return new Uint8Array(new X509Certificate(raw).raw);
  } catch {
    throw new AppCliError(`${path}: not a PEM or DER certificate`);
  }
}

function trustOf(o: AppCliOptions): TrustConfig {
  const spec = o.trustCard ?? o.card;
  const anchors =
    (spec ? resolveCardSpec(spec).trust : undefined) ?? trustOfImage(defaultCardImage());
  return {
    csca: [...(o.csca ?? []).map(certFile), ...anchors.csca],
    holderCa: [...(o.holderCa ?? []).map(certFile), ...anchors.holderCa],
    crls: (o.crl ?? []).map((p) => new Uint8Array(readFileSync(p))),
  };
}

function readerOf(o: AppCliOptions): CardReader {
  const chosen = [o.nfc !== undefined, o.reader !== undefined, o.card !== undefined].filter(
    Boolean,
  );
  if (chosen.length > 1) throw new AppCliError('choose one of --nfc, --reader, --card');
  if (o.reader !== undefined)
    return new PcscCardReader({
      ...(typeof o.reader === 'string' ? { reader: o.reader } : {}),
      allowLastTry: o.allowLastTry ?? false,
      onGuardDecision: (text) => process.stderr.write(`${text}\n`),
    });
  if (o.card !== undefined) {
    const recipe = resolveCardSpec(o.card);
    const card = recipe.open ? recipe.open() : recipe.create();
    return new InProcessCardReader(card, recipe.description);
  }
  return new NfcCardReader(o.nfc ?? DEFAULT_NFC, {
    ...(o.aosp ? { isoDep: { maxTransceiveLength: 261, extendedLengthSupported: false } } : {}),
  });
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T {
  if (value === undefined || !(allowed as readonly string[]).includes(value))
    throw new AppCliError(`${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function resolveMap(entries: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries ?? []) {
    const m = /^([A-Za-z0-9.-]+)=([0-9a-fA-F:.]+)$/.exec(e);
    if (!m) throw new AppCliError(`--resolve expects host=address, not ${e}`);
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

export function agentOf(o: AppCliOptions): CieIdAgent {
  const idp = new URL(o.idp ?? DEFAULT_IDP).origin;
  return new CieIdAgent({
    profileDir: o.profile ?? join(homedir(), '.ciebench', 'app'),
    reader: readerOf(o),
    trust: trustOf(o),
    phone: {
      platform: oneOf(o.platform, ['android', 'ios'] as const, '--platform'),
      extendedLength: oneOf(
        o.extendedLength,
        ['require', 'when-needed'] as const,
        '--extended-length',
      ),
    },
    pinPolicy: oneOf<PinPolicy>(o.pinPolicy, ['app', 'guarded'], '--pin-policy'),
    idp: {
      origins: [idp],
      connection: {
        ...(o.idpCa ? { ca: readFileSync(o.idpCa, 'utf8') } : {}),
        resolve: resolveMap(o.resolve),
      },
    },
    showSecrets: o.showSecrets ?? false,
  });
}

/**
 * A secret: the option's value, else the environment variable, else a prompt on a terminal with
 * the typed digits not echoed. Without any of them the command stops (exit code 2).
 */
export async function secret(
  value: string | undefined,
  env: string,
  prompt: string,
): Promise<string> {
  if (value !== undefined) return value;
  const fromEnv = process.env[env];
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY)
    throw new AppCliError(`${prompt}: pass it as an option or in ${env} (no terminal to ask on)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let asking = true;
  out._writeToOutput = (s: string) => {
    if (asking) out.output.write(s.replace(/[^\r\n]/g, (c) => (/\d/.test(c) ? '*' : c)));
  };
  const answer = await new Promise<string>((resolve) => rl.question(`${prompt}: `, resolve));
  asking = false;
  rl.close();
  process.stderr.write('\n');
  return answer.trim();
}
