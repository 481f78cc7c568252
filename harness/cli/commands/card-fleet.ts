/**
 * `ciebench card fleet --count N --seed S`: the citizens of a card fleet (harness/cards/card-fleet.ts)
 * — each one's card spec (`fleet:<seed>:<index>`, usable wherever `--card` is), NIS, document
 * number, name and fiscal code — without building any card; with `--out-dir` also their card
 * images, one file each (`fleet-<seed>-<index>.json`). PIN, PUK and CAN are listed only with
 * `--show-secrets` (they are TEST values, but the listing may end up in a ticket or a log).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { cardFleet, FLEET_KEY_MODES, FLEET_MAX_INDEX } from '../../cards/card-fleet.ts';
import { commandGroup } from '../cli-kit.ts';

interface FleetFlags {
  count: string;
  seed: string;
  first: string;
  keys: string;
  outDir?: string;
  force?: boolean;
  json?: boolean;
  showSecrets?: boolean;
}

const flagsSchema = z.object({
  count: z.coerce.number().int().min(1).max(1_000_000),
  seed: z.string().min(1),
  first: z.coerce.number().int().min(0).max(FLEET_MAX_INDEX),
  keys: z.enum(FLEET_KEY_MODES),
});

/** One citizen of the listing. */
export interface FleetListing {
  readonly index: number;
  readonly spec: string;
  readonly nis: string;
  readonly documentNumber: string;
  readonly givenName: string;
  readonly surname: string;
  readonly fiscalCode: string;
  readonly keySlot?: number;
  readonly file?: string;
  readonly pin?: string;
  readonly puk?: string;
  readonly can?: string;
}

export function cardFleetCommand(f: FleetFlags, write: (line: string) => void): void {
  const parsed = flagsSchema.safeParse(f);
  if (!parsed.success)
    throw new BenchError(
      'CARD_FLEET_OPTION',
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
      'input',
    );
  const o = parsed.data;
  if (o.first + o.count - 1 > FLEET_MAX_INDEX)
    throw new BenchError(
      'CARD_FLEET_OPTION',
      `--first + --count passes ${FLEET_MAX_INDEX}`,
      'input',
    );
  const fleet = cardFleet({ seed: o.seed, keys: o.keys });
  if (f.outDir) mkdirSync(f.outDir, { recursive: true });
  const rows: FleetListing[] = [];
  for (let index = o.first; index < o.first + o.count; index++) {
    const c = fleet.citizen(index);
    let file: string | undefined;
    if (f.outDir) {
      file = join(f.outDir, `fleet-${o.seed.replace(/[^A-Za-z0-9_-]/g, '_')}-${index}.json`);
      writeCardImageAtomic(file, fleet.image(index), { exclusive: !f.force });
    }
    const z = c.citizen;
    rows.push({
      index,
      spec: c.spec,
      nis: z.nis,
      documentNumber: z.document.number,
      givenName: z.givenName,
      surname: z.surname,
      fiscalCode: z.fiscalCode,
      ...(c.keySlot !== undefined ? { keySlot: c.keySlot } : {}),
      ...(file ? { file } : {}),
      ...(f.showSecrets ? { pin: z.pin, puk: z.puk, can: z.can } : {}),
    });
  }
  if (f.json) {
    write(JSON.stringify({ seed: o.seed, keys: o.keys, citizens: rows }, null, 2));
    return;
  }
  for (const r of rows)
    write(
      [
        r.spec.padEnd(20),
        `NIS ${r.nis}`,
        `doc ${r.documentNumber}`,
        `${r.givenName} ${r.surname}`.padEnd(28),
        r.fiscalCode,
        ...(r.pin ? [`PIN ${r.pin} PUK ${r.puk} CAN ${r.can}`] : []),
        ...(r.file ? [r.file] : []),
      ].join('  '),
    );
  write(
    `${rows.length} citizens of fleet '${o.seed}' (keys: ${o.keys})${f.outDir ? `, card images in ${f.outDir}` : '; use a spec as --card, or --out-dir for image files'}`,
  );
}

export function register(program: Command): void {
  commandGroup(program, 'card')
    .command('fleet')
    .description(
      'the citizens of a card fleet: N distinct TEST citizens from one seed, the same every time (card images only with --out-dir)',
    )
    .requiredOption('--count <n>', 'how many citizens')
    .requiredOption('--seed <seed>', "the fleet's seed")
    .option('--first <index>', 'first index', '0')
    .option(
      '--keys <mode>',
      `card keys: ${FLEET_KEY_MODES.join(' | ')} (pool: shared slots)`,
      'pool',
    )
    .option('--out-dir <dir>', 'also write each card image (JSON) to this folder')
    .option('--force', 'overwrite existing image files')
    .option('--json', 'as JSON')
    .option('--show-secrets', 'list PIN, PUK and CAN')
    .action((f: FleetFlags) => {
      cardFleetCommand(f, (line) => void process.stdout.write(`${line}\n`));
    });
}
