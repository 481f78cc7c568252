/**
 * Revocation state of a test PKI, on disk: which holder certificates its holder CA has revoked
 * (`revoked.json`) and the CRL it publishes (`holder-ca.crl`, DER, and `holder-ca.crl.pem`), in one
 * directory per PKI seed (default `$CIEBENCH_HOME/pki/<seed>/`, `~/.ciebench` when unset). Identity
 * providers read the CRL file; `ciebench card revoke` adds entries and reissues it. Writes are
 * atomic (temporary file + rename).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { HostError } from '../host-error.ts';
import { fromHex, toHex } from '../bytes/hex.ts';
import { crlPem, issueCrl, CRL_REASONS, type CrlReason } from '../personalise/pki/crl.ts';
import { generateTestPki, HOLDER_CA_NAME } from '../personalise/pki/test-pki.ts';

const stateSchema = z
  .object({
    format: z.literal('ciebench-pki-revocations'),
    version: z.literal(1),
    pkiSeed: z.string(),
    crlNumber: z.number().int().min(0),
    revoked: z.array(
      z
        .object({
          serial: z.string().regex(/^[0-9A-F]+$/),
          date: z.string().datetime(),
          reason: z.enum(Object.keys(CRL_REASONS) as [CrlReason, ...CrlReason[]]),
          label: z.string().max(200),
        })
        .strict(),
    ),
  })
  .strict();

export type RevocationState = z.infer<typeof stateSchema>;

export class RevocationStateError extends HostError {
  readonly code = 'PKI_STATE';
}

export function ciebenchHome(): string {
  return process.env['CIEBENCH_HOME'] ?? join(homedir(), '.ciebench');
}

export function defaultPkiDir(pkiSeed: string): string {
  return join(ciebenchHome(), 'pki', pkiSeed.replace(/[^A-Za-z0-9._-]/g, '_'));
}

export const CRL_FILE = 'holder-ca.crl';

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o644 });
  renameSync(tmp, path);
}

export function readRevocations(dir: string, pkiSeed: string): RevocationState {
  const file = join(dir, 'revoked.json');
  if (!existsSync(file))
    return { format: 'ciebench-pki-revocations', version: 1, pkiSeed, crlNumber: 0, revoked: [] };
  let parsed: RevocationState;
  try {
    parsed = stateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new RevocationStateError(
      `${file} is not a valid revocation file: ${(e as Error).message}`,
    );
  }
  if (parsed.pkiSeed !== pkiSeed)
    throw new RevocationStateError(
      `${file} belongs to PKI seed '${parsed.pkiSeed}', not '${pkiSeed}'`,
    );
  return parsed;
}

/** Issues the CRL for `state` (valid from `now` for 30 days) and writes state + CRL files. */
export function publish(dir: string, state: RevocationState, now: Date): Uint8Array {
  const pki = generateTestPki(state.pkiSeed);
  const der = issueCrl({
    issuer: pki.holderCa,
    issuerName: HOLDER_CA_NAME,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + 30 * 86_400_000),
    crlNumber: state.crlNumber,
    revoked: state.revoked.map((r) => ({
      serialNumber: fromHex(r.serial),
      revocationDate: new Date(r.date),
      reason: r.reason,
    })),
  });
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'revoked.json'), `${JSON.stringify(state, null, 2)}\n`);
  writeAtomic(join(dir, CRL_FILE), der);
  writeAtomic(join(dir, `${CRL_FILE}.pem`), crlPem(der));
  writeAtomic(join(dir, 'holder-ca.pem'), pemCertificate(pki.holderCa.certificate));
  return der;
}

function pemCertificate(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A serial as the revocation state keeps it: upper-case hex without leading zero bytes. */
export function revocationSerialHex(serial: Uint8Array): string {
  return toHex(serial).replace(/^(00)+(?=[0-9A-F])/, '');
}

/** Adds (or keeps) a revocation of `serial` and republishes; returns the new CRL. */
export function revoke(
  dir: string,
  pkiSeed: string,
  serial: Uint8Array,
  o: { now: Date; reason?: CrlReason; label: string },
): Uint8Array {
  const state = readRevocations(dir, pkiSeed);
  const hex = revocationSerialHex(serial);
  const revoked = state.revoked.some((r) => r.serial === hex)
    ? state.revoked
    : [
        ...state.revoked,
        {
          serial: hex,
          date: o.now.toISOString(),
          reason: o.reason ?? 'keyCompromise',
          label: o.label,
        },
      ];
  return publish(dir, { ...state, crlNumber: state.crlNumber + 1, revoked }, o.now);
}

/** Removes a revocation (e.g. a certificateHold released) and republishes. */
export function unrevoke(dir: string, pkiSeed: string, serial: Uint8Array, now: Date): Uint8Array {
  const state = readRevocations(dir, pkiSeed);
  const hex = revocationSerialHex(serial);
  return publish(
    dir,
    {
      ...state,
      crlNumber: state.crlNumber + 1,
      revoked: state.revoked.filter((r) => r.serial !== hex),
    },
    now,
  );
}
