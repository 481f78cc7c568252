/**
 * `ciebench card revoke|unrevoke|expire --card <image>`: change the standing of a card's
 * authentication certificate, as its issuer can.
 *
 * - `revoke` adds the certificate to the CRL of the card's test PKI and republishes it
 *   (`$CIEBENCH_HOME/pki/<pki seed>/holder-ca.crl`, or `--pki-dir`); the bench IdP re-reads it;
 * - `unrevoke` removes it (a released hold);
 * - `expire` re-issues the certificate so that it expired at the end of `--on` (default: yesterday,
 *   UTC), rewriting EF 1003 and EF.SOD in the image; keys, PIN/PUK state and citizen stay.
 */
import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { HostError } from '../../../emulator/src/host-error.ts';
import { z } from 'zod';
import { CRL_REASONS, type CrlReason } from '../../../emulator/src/personalise/pki/crl.ts';
import {
  expireCardImage,
  holderCertificateSerial,
} from '../../../emulator/src/state/certificate-lifecycle.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import {
  CRL_FILE,
  defaultPkiDir,
  revoke,
  unrevoke,
} from '../../../emulator/src/state/pki-revocations.ts';
import { commandGroup } from '../cli-kit.ts';

export class CardCertError extends HostError {
  readonly code = 'CARD_CERT_OPTION';
}

const revokeSchema = z
  .object({
    card: z.string().min(1),
    pkiDir: z.string().min(1).optional(),
    reason: z
      .enum(Object.keys(CRL_REASONS) as [CrlReason, ...CrlReason[]])
      .default('keyCompromise'),
  })
  .strict();

const expireSchema = z
  .object({
    card: z.string().min(1),
    on: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
      .optional(),
    out: z.string().min(1).optional(),
  })
  .strict();

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CardCertError(
      r.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return r.data;
}

export function cardRevoke(raw: unknown, now = new Date(), undo = false): string {
  const o = parse(revokeSchema, raw);
  const image = readCardImage(o.card);
  const dir = o.pkiDir ?? defaultPkiDir(image.pkiSeed);
  const serial = holderCertificateSerial(image);
  if (undo) unrevoke(dir, image.pkiSeed, serial, now);
  else
    revoke(dir, image.pkiSeed, serial, {
      now,
      reason: o.reason,
      label: `${image.citizen.document.number} ${o.card}`,
    });
  const hex = Buffer.from(serial).toString('hex').toUpperCase();
  return `${undo ? 'released' : 'revoked'} certificate ${hex} of card ${image.citizen.document.number}; CRL: ${dir}/${CRL_FILE}\n`;
}

export function cardExpire(raw: unknown, now = new Date()): string {
  const o = parse(expireSchema, raw);
  const day = o.on ? new Date(`${o.on}T00:00:00Z`) : new Date(now.getTime() - 86_400_000);
  if (Number.isNaN(day.getTime())) throw new CardCertError(`--on ${o.on ?? ''}: not a date`);
  const image = expireCardImage(readCardImage(o.card), day);
  const out = o.out ?? o.card;
  writeCardImageAtomic(out, image, { exclusive: false });
  const c = new X509Certificate(Buffer.from(image.ias.certificates.holder, 'hex'));
  return `wrote ${out}: certificate valid ${c.validFrom} – ${c.validTo}\n`;
}

function run(fn: () => string): void {
  process.stdout.write(fn());
}

export function register(program: Command): void {
  const card = commandGroup(program, 'card');
  card
    .command('revoke')
    .description("revoke the card's authentication certificate (adds it to its test PKI's CRL)")
    .requiredOption('--card <image>', 'card image (JSON)')
    .option(
      '--pki-dir <dir>',
      'revocation state and CRL folder (default $CIEBENCH_HOME/pki/<pki seed>)',
    )
    .option(
      '--reason <reason>',
      `CRL reason: ${Object.keys(CRL_REASONS).join(' | ')}`,
      'keyCompromise',
    )
    .action((o: unknown) => run(() => cardRevoke(o)));
  card
    .command('unrevoke')
    .description("take the card's certificate off the CRL")
    .requiredOption('--card <image>', 'card image (JSON)')
    .option('--pki-dir <dir>', 'revocation state and CRL folder')
    .action((o: unknown) => run(() => cardRevoke(o, new Date(), true)));
  card
    .command('expire')
    .description(
      "re-issue the card's certificate so that it has expired (EF 1003 and EF.SOD rewritten)",
    )
    .requiredOption('--card <image>', 'card image (JSON), rewritten in place unless --out')
    .option('--on <YYYY-MM-DD>', 'last day of validity (default: yesterday)')
    .option('-o, --out <file>', 'write the expired card to another file')
    .action((o: unknown) => run(() => cardExpire(o)));
}
