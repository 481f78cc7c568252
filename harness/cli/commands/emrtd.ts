/**
 * `ciebench emrtd …`: the reference eMRTD inspection system.
 *
 *   emrtd read         PACE (CAN/MRZ) or BAC, Chip/Terminal Authentication, every DG, Passive
 *                      Authentication; against an emulated card (--card, the registry's grammar:
 *                      the full CIE, IAS + eMRTD) or a PC/SC reader (--reader, a real or virtual card)
 *   emrtd personalise  store the eMRTD personalisation in a card image (modules.emrtd)
 */
import { HostError } from '../../../emulator/src/host-error.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { createEmrtdCard } from '../../../emulator/src/applications/emrtd/emrtd-card.ts';
import {
  emrtdPersonalisationFromImage,
  withEmrtdPersonalisation,
} from '../../../emulator/src/applications/emrtd/emrtd-image.ts';
import { generateCvPki } from '../../../emulator/src/personalise/emrtd/cv-pki.ts';
import { emrtdPersonaliseOptionsSchema } from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { cieProfile } from '../../../emulator/src/profiles/cie-profiles.ts';
import { mrzInformationFromTd1 } from '../../../emulator/src/protocols/bac/bac-keys.ts';
import type { PaceInfo } from '../../../emulator/src/protocols/security-infos.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import {
  inspect,
  type AccessChoice,
  type InspectionResult,
} from '../../terminals/emrtd/inspection-system.ts';
import { credentialsOf } from '../../terminals/emrtd/eac.ts';
import { faceImage } from '../../terminals/emrtd/lds.ts';
import { formatInspection } from '../../terminals/emrtd/report-text.ts';
import { cieRecipe, resolveCardSpec } from '../../cards/card-registry.ts';
import { CARD_SPEC_HELP, commandGroup, exitCodeOfReport } from '../cli-kit.ts';

export class EmrtdCliError extends HostError {
  readonly code = 'EMRTD_CLI_OPTION';
}

interface ReadOptions {
  card?: string;
  profile?: string;
  strictProfile?: boolean;
  seed?: string;
  reader?: string | boolean;
  pcsc?: string | boolean;
  emrtdOnly?: boolean;
  can?: string;
  mrz?: boolean;
  mrzInfo?: string;
  bac?: boolean;
  paceInfo?: string;
  ca: boolean;
  ta?: boolean;
  cvSeed?: string;
  out?: string;
  json?: boolean;
  apdus?: boolean;
  extended?: boolean;
}

interface Target {
  readonly channel: ApduChannel;
  readonly image: CardImage | undefined;
  readonly cscas: readonly Uint8Array[];
}

async function openTarget(o: ReadOptions): Promise<Target> {
  const reader = o.reader ?? o.pcsc;
  if (reader !== undefined && reader !== false) {
    const mod = await import('../../pcsc/pcsc-channel.ts');
    return {
      channel: new mod.PcscChannel(typeof reader === 'string' ? { reader } : {}),
      image: undefined,
      cscas: [],
    };
  }
  if (o.card && o.seed) throw new EmrtdCliError('give either --card or --seed');
  const recipe = resolveCardSpec(o.seed ? `seed:${o.seed}` : (o.card ?? 'default'));
  const image = recipe.image;
  if (!image) throw new EmrtdCliError(`--card ${recipe.spec}: not a CIE (no eMRTD application)`);
  const p = emrtdPersonalisationFromImage(image);
  const cscas = [fromHex(image.ias.certificates.csca)];
  if (o.emrtdOnly)
    return {
      channel: new InProcessChannel(
        createEmrtdCard({ personalisation: p }).card,
        'eMRTD module alone',
      ),
      image,
      cscas,
    };
  const profile = cieProfile(o.profile ?? recipe.personality);
  // PACE-DH carries 256-byte keys: it needs extended length (emrtd/README.md §1.1). Personalities
  // whose EF.ATR denies it (NXP, ST) could not run the CIE's PACE at all; the reader states the
  // override.
  const force = !o.strictProfile && profile.card.extendedLength !== true;
  const card = cieRecipe(recipe.spec, image, profile.id).create(
    force ? { options: { extendedLength: true } } : {},
  );
  return {
    channel: new InProcessChannel(
      card,
      `${profile.label} (IAS + eMRTD)${force ? ', extended length enabled for PACE' : ''}`,
    ),
    image,
    cscas,
  };
}

function accessChoice(o: ReadOptions, image: CardImage | undefined): AccessChoice {
  const mrzInformation =
    o.mrzInfo ?? (image ? mrzInformationFromTd1(image.citizen.mrz) : undefined);
  if (o.bac || o.mrz) {
    if (!mrzInformation)
      throw new EmrtdCliError(
        '--bac/--mrz on a PC/SC card need --mrz-info <docNo+cd+DOB+cd+DOE+cd>',
      );
    if (o.bac) return { kind: 'bac', mrzInformation };
  }
  const index = o.paceInfo === undefined ? 0 : Number(o.paceInfo);
  if (!Number.isInteger(index) || index < 0)
    throw new EmrtdCliError('--pace-info takes the index of a PACEInfo in EF.CardAccess');
  const pick = { paceInfo: (infos: readonly PaceInfo[]) => infos[index] };
  if (o.mrz)
    return {
      kind: 'pace',
      password: { kind: 'mrz', mrzInformation: mrzInformation as string },
      ...pick,
    };
  const can = o.can ?? image?.citizen.can;
  if (!can || !/^\d{6}$/.test(can))
    throw new EmrtdCliError('--can <6 digits> is needed for a PC/SC card');
  return { kind: 'pace', password: { kind: 'can', can }, ...pick };
}

function writeOut(dir: string, r: InspectionResult): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of r.files)
    writeFileSync(join(dir, `${name.replace(/^EF\./, 'EF_')}.bin`), bytes);
  const dg2 = r.files.get('DG2');
  if (dg2) {
    const face = faceImage(dg2);
    writeFileSync(join(dir, `face.${face.type === 'jpeg2000' ? 'jp2' : 'jpg'}`), face.bytes);
  }
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(r.report, null, 2)}\n`);
}

async function read(o: ReadOptions): Promise<void> {
  const t = await openTarget(o);
  const access = accessChoice(o, t.image);
  const cv = o.ta ? generateCvPki(o.cvSeed ?? t.image?.seed ?? 'ciebench-default-v1') : undefined;
  const r = await inspect(t.channel, {
    access,
    chipAuthentication: o.ca,
    ...(cv ? { terminal: credentialsOf(cv.is, cv.dv) } : {}),
    cscas: t.cscas,
    ...(o.extended ? { read: { extended: true } } : {}),
  });
  await t.channel.close();
  if (o.out) writeOut(o.out, r);
  process.stdout.write(
    o.json
      ? `${JSON.stringify(r.report, null, 2)}\n`
      : formatInspection(r, { apdus: o.apdus ?? false }),
  );
  process.exitCode = exitCodeOfReport(r.report);
}

export function register(program: Command): void {
  const emrtd = commandGroup(program, 'emrtd');
  emrtd
    .command('read')
    .description(
      'PACE/BAC, CA, TA, read every data group, Passive Authentication; report every step',
    )
    .option('--card <card>', `the emulated card: ${CARD_SPEC_HELP} (default: default)`)
    .option('--seed <seed>', 'the citizen personalised from this seed (same as --card seed:<seed>)')
    .option(
      '--reader [name]',
      'read a card in a PC/SC reader (real or virtual) instead of an emulated one',
    )
    .addOption(new Option('--pcsc [name]').hideHelp())
    .option('--profile <id>', "present another personality (see 'ciebench card profiles')")
    .option(
      '--strict-profile',
      'do not enable extended length on personalities whose EF.ATR denies it',
    )
    .option('--emrtd-only', 'emulate the eMRTD module alone instead of the full CIE')
    .option('--can <can>', "6-digit CAN (default: the emulated card's)")
    .option('--mrz', 'PACE with the MRZ password instead of the CAN')
    .option(
      '--mrz-info <text>',
      'MRZ_information (document number, birth date, expiry date with check digits)',
    )
    .option('--bac', 'Basic Access Control instead of PACE')
    .option('--pace-info <index>', 'which PACEInfo of EF.CardAccess to use (default 0)')
    .option('--no-ca', 'skip Chip Authentication')
    .option('--ta', 'Terminal Authentication with the test IS certificate (needed for DG3)')
    .option('--cv-seed <seed>', 'seed of the test CVCA/DV/IS chain (default: the card seed)')
    .option(
      '--extended',
      'read each file with one extended-length READ BINARY instead of 0xE0-byte chunks',
    )
    .option('-o, --out <dir>', 'write every file read, face.jpg and report.json to this directory')
    .option('--apdus', 'print every APDU (plain and wire form)')
    .option('--json', 'print the report as JSON')
    .action(read);
  emrtd
    .command('personalise')
    .description('store the eMRTD personalisation of a card image in the image (modules.emrtd)')
    .requiredOption('--card <image>', 'card image to update in place')
    .option(
      '--options <json>',
      'personalisation options as JSON (e.g. {"paceInfos":[{"agreement":"ECDH","cipher":"AES-128","parameterId":13}]})',
    )
    .option('--force', 'replace an existing modules.emrtd')
    .action((o: { card: string; options?: string; force?: boolean }) => {
      const image = readCardImage(o.card);
      if (image.modules?.emrtd !== undefined && !o.force)
        throw new EmrtdCliError(`${o.card} already has modules.emrtd (use --force to replace it)`);
      const options = emrtdPersonaliseOptionsSchema.parse(
        o.options ? (JSON.parse(o.options) as unknown) : {},
      );
      const stripped: CardImage = {
        ...image,
        modules: { ...(image.modules ?? {}), emrtd: undefined },
      };
      const p = emrtdPersonalisationFromImage(stripped, options);
      writeCardImageAtomic(o.card, withEmrtdPersonalisation(image, p));
      process.stdout.write(
        `${o.card}: modules.emrtd written (EF.CardAccess ${p.cardAccess.length / 2} bytes, ${Object.keys(p.files).length} LDS files, CA ${p.chip.chipAuthenticationKeys[0]?.protocol})\n`,
      );
    });
}
