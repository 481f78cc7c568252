/**
 * `ciebench card show <card>`: the TEST citizen of a card (an image file, or any other card of the
 * registry's grammar) and the secrets testers need (PIN, PUK, CAN).
 */
import type { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { cieProfile } from '../../../emulator/src/profiles/cie-profiles.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { resolveCardSpec } from '../../cards/card-registry.ts';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { CARD_SPEC_HELP, commandGroup } from '../cli-kit.ts';

export function showText(image: CardImage, path: string): string {
  const c = image.citizen;
  const s = image.state;
  const cert = new X509Certificate(fromHex(image.ias.certificates.holder));
  const counter = (r: CardImage['state']['pin']): string =>
    r.blocked ? 'BLOCKED' : `${r.remaining}/${r.max} tries left`;
  return [
    `card ${path} — ${cieProfile(image.profile).label} (${image.profile}), seed '${image.seed}'`,
    '*** SYNTHETIC TEST DATA: invented citizen, test keys, test PKI — not an identity document ***',
    `  holder        ${c.givenName} ${c.surname} (${c.sex}), born ${c.birthDate} in ${c.birthPlace.name} (${c.birthPlace.province})`,
    `  fiscal code   ${c.fiscalCode}`,
    `  document      ${c.document.number}, issued ${c.document.issueDate} by ${c.document.issuingAuthority}, expires ${c.document.expiryDate}`,
    `  NIS           ${c.nis}   EF.SN.ICC ${c.snIcc}`,
    `  MRZ           ${c.mrz.join(' / ')}`,
    `  certificate   ${cert.subject.replace(/\n/g, ', ')}`,
    '  TEST secrets (for testers):',
    `    PIN  ${s.pin.value}  (${counter(s.pin)}; first half ${s.pin.value.slice(0, 4)}, second half ${s.pin.value.slice(4)})`,
    `    PUK  ${s.puk.value}  (${counter(s.puk)})`,
    `    CAN  ${c.can}`,
    `  EF.SOD        ${image.ias.sodVariant}`,
    '',
  ].join('\n');
}

export function register(program: Command): void {
  commandGroup(program, 'card')
    .command('show')
    .description('print the TEST citizen of a card with its PIN, PUK and CAN')
    .argument('<card>', CARD_SPEC_HELP)
    .option('--json', 'print the citizen and state as JSON')
    .action((path: string, opts: { json?: boolean }) => {
      const image = resolveCardSpec(path).image;
      if (!image) throw new BenchError('CARD_SPEC', `${path}: a test card, no citizen to show`);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ notice: image.notice, profile: image.profile, seed: image.seed, citizen: image.citizen, state: image.state }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(showText(image, path));
    });
}
