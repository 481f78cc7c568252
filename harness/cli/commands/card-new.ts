/** `ciebench card new`: personalise a synthetic CIE from a seed and write its card image. */
import { HostError } from '../../../emulator/src/host-error.ts';
import type { Command } from 'commander';
import { SOD_VARIANTS, type SodVariant } from '../../../emulator/src/personalise/ias/ias-files.ts';
import { newCardImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { cieProfile, DEFAULT_CIE_PROFILE_ID } from '../../../emulator/src/profiles/cie-profiles.ts';
import { writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { commandGroup } from '../cli-kit.ts';

export interface CardNewOptions {
  readonly seed: string;
  readonly profile?: string;
  readonly sod?: string;
  readonly pkiSeed?: string;
  readonly out: string;
  readonly force?: boolean;
}

export class CardNewError extends HostError {
  readonly code = 'CARD_NEW_OPTION';
}

export function cardNew(o: CardNewOptions): string {
  const profile = cieProfile(o.profile ?? DEFAULT_CIE_PROFILE_ID);
  if (o.sod !== undefined && !(SOD_VARIANTS as readonly string[]).includes(o.sod))
    throw new CardNewError(`--sod must be one of ${SOD_VARIANTS.join(', ')}`);
  const image = newCardImage(o.seed, profile.id, {
    ...(o.sod ? { sodVariant: o.sod as SodVariant } : {}),
    ...(o.pkiSeed ? { pkiSeed: o.pkiSeed } : {}),
  });
  writeCardImageAtomic(o.out, image, { exclusive: !o.force });
  const c = image.citizen;
  return `wrote ${o.out}: ${profile.label} (${profile.id}), SOD ${image.ias.sodVariant}, TEST citizen ${c.givenName} ${c.surname}, NIS ${c.nis}\n(PIN, PUK and CAN: ciebench card show ${o.out})\n`;
}

export function register(program: Command): void {
  commandGroup(program, 'card')
    .command('new')
    .description(
      'personalise a synthetic TEST CIE from a seed (citizen, keys, certificates, EF.SOD) and write its card image',
    )
    .requiredOption('--seed <seed>', 'seed: the same seed always gives the same card')
    .option('--profile <id>', `personality (see 'ciebench card profiles')`, DEFAULT_CIE_PROFILE_ID)
    .option(
      '--sod <variant>',
      `EF.SOD variant: ${SOD_VARIANTS.join(' | ')} (default: the personality's)`,
    )
    .option(
      '--pki-seed <seed>',
      'seed of the test CSCA/DS/holder-CA hierarchy (default: the shared test PKI)',
    )
    .requiredOption('-o, --out <file>', 'card image to write (JSON)')
    .option('--force', 'overwrite an existing file')
    .action((opts: CardNewOptions) => {
      process.stdout.write(cardNew(opts));
    });
}
