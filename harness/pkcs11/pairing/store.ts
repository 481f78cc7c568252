/**
 * Pairing files ("Abbina la tua CIE"): one per card, named by its NIS, in
 * `$CIEBENCH_HOME/middleware/pairings/` (owner-only directory and files, written atomically). The
 * official software keeps the same two secrets in `~/.CIEPKI/<PAN>.cache`; this file is the
 * bench's own JSON form of it (zod-checked on every read).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { ciebenchHome } from '../../../emulator/src/state/pki-revocations.ts';
import { open, seal, type CardKey } from './card-key.ts';

export const PAIRING_FORMAT = 'ciebench-pairing/1';

const NIS_RE = /^\d{12}$/;

const pairingSchema = z
  .object({
    format: z.literal(PAIRING_FORMAT),
    nis: z.string().regex(NIS_RE),
    pairedAt: z.iso.datetime(),
    /** Holder name and certificate validity, in clear, for `ciebench middleware status`. */
    holder: z.string().max(200),
    notAfter: z.iso.datetime(),
    certificate: z.string().regex(/^([0-9A-F]{32})+$/),
    pinHalf: z.string().regex(/^([0-9A-F]{32})+$/),
  })
  .strict();

export type PairingRecord = z.infer<typeof pairingSchema>;

export class PairingError extends BenchError {}

export function defaultPairingsDir(): string {
  return join(ciebenchHome(), 'middleware', 'pairings');
}

function fileOf(dir: string, nis: string): string {
  if (!NIS_RE.test(nis)) throw new PairingError('PAIRING_BAD_NIS', `not a NIS: '${nis}'`, 'input');
  return join(dir, `${nis}.json`);
}

export interface PairingSecrets {
  readonly certificate: Uint8Array;
  /** The first 4 PIN digits. */
  readonly pinHalf: string;
}

/** Writes the pairing of card `nis` (replacing an older one). */
export function writePairing(
  dir: string,
  nis: string,
  key: CardKey,
  secrets: PairingSecrets,
  info: { readonly holder: string; readonly notAfter: Date; readonly now: Date },
): string {
  if (!/^\d{4}$/.test(secrets.pinHalf))
    throw new PairingError('PAIRING_BAD_PIN', 'the stored PIN half is 4 digits', 'input');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const record: PairingRecord = {
    format: PAIRING_FORMAT,
    nis,
    pairedAt: info.now.toISOString(),
    holder: info.holder.slice(0, 200),
    notAfter: info.notAfter.toISOString(),
    certificate: toHex(seal(key, secrets.certificate)),
    pinHalf: toHex(seal(key, new Uint8Array(Buffer.from(secrets.pinHalf, 'ascii')))),
  };
  const file = fileOf(dir, nis);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** The pairing record of `nis`, or undefined; a file that fails the schema is an error. */
export function readPairing(dir: string, nis: string): PairingRecord | undefined {
  const file = fileOf(dir, nis);
  if (!existsSync(file)) return undefined;
  if (statSync(file).size > 64 * 1024)
    throw new PairingError('PAIRING_CORRUPT', `${file} is too large for a pairing file`, 'input');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PairingError(
      'PAIRING_CORRUPT',
      `${file}: not JSON (${(e as Error).message})`,
      'input',
    );
  }
  const r = pairingSchema.safeParse(json);
  if (!r.success || r.data.nis !== nis)
    throw new PairingError(
      'PAIRING_CORRUPT',
      `${file}: not a pairing file of card ${nis}${r.success ? '' : ` (${r.error.issues[0]?.message ?? ''})`}`,
      'input',
    );
  return r.data;
}

/** Decrypts a pairing with the card's key; undefined when the key is not this card's. */
export function openPairing(record: PairingRecord, key: CardKey): PairingSecrets | undefined {
  const certificate = open(key, fromHex(record.certificate));
  const half = open(key, fromHex(record.pinHalf));
  if (!certificate || !half) return undefined;
  const pinHalf = Buffer.from(half).toString('ascii');
  if (!/^\d{4}$/.test(pinHalf)) return undefined;
  return { certificate, pinHalf };
}

export function removePairing(dir: string, nis: string): boolean {
  const file = fileOf(dir, nis);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** Every pairing in `dir` (files that fail the schema are reported, not skipped silently). */
export function listPairings(dir: string): { records: PairingRecord[]; broken: string[] } {
  if (!existsSync(dir)) return { records: [], broken: [] };
  const records: PairingRecord[] = [];
  const broken: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const m = /^(\d{12})\.json$/.exec(f);
    if (!m) continue;
    try {
      const r = readPairing(dir, m[1] as string);
      if (r) records.push(r);
    } catch (e) {
      broken.push(`${f}: ${(e as Error).message}`);
    }
  }
  return { records, broken };
}

/** Modification stamp of a pairing file (the daemon re-reads a pairing when it changes). */
export function pairingStamp(dir: string, nis: string): string {
  const file = fileOf(dir, nis);
  return existsSync(file) ? String(statSync(file).mtimeMs) : '-';
}
