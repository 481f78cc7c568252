/**
 * The ICAO Part 3 v3.2 case list and command steps, as transcribed from the public
 * machine-readable matrix (README.md in this folder): `matrix-v3.2.cases.tsv` (411 cases: id,
 * section, profile tokens, purpose) and `matrix-v3.2.steps.tsv` (the command APDUs of the ISO 7816
 * cases with the status words the transcription states). Rows are validated with zod; `#` lines
 * are the source header.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HostError } from '../../emulator/src/host-error.ts';
import { packageFile } from '../../emulator/src/package-root.ts';

export class MatrixError extends HostError {
  readonly code = 'ICAO_MATRIX';
}

/** An ICAO Part 3 id: `ISO7816_<letter>_<n>` or `LDS_<letter>_<n>`. */
export const ICAO_ID = /^(ISO7816|LDS)_[A-Z]_\d+$/;

const caseRow = z.object({
  id: z.string().regex(ICAO_ID),
  section: z.string().regex(/^\d+(\.\d+)*$/),
  tokens: z.array(z.string().min(1)),
  purpose: z.string().min(1),
});

const stepRow = z.object({
  id: z.string().regex(ICAO_ID),
  step: z.number().int().min(1),
  protected: z.boolean(),
  apdu: z.string().min(1),
  /** Status words the transcription accepts (`undefined`: none given). */
  sw: z.array(z.string().regex(/^[0-9A-F]{4}$/)).optional(),
  empty: z.boolean(),
  prefix: z
    .string()
    .regex(/^[0-9A-F]+$/)
    .optional(),
});

export type MatrixCase = z.infer<typeof caseRow> & { readonly category: string };
export type MatrixStep = z.infer<typeof stepRow>;

export interface IcaoMatrix {
  readonly cases: readonly MatrixCase[];
  readonly byId: ReadonlyMap<string, MatrixCase>;
  readonly steps: ReadonlyMap<string, readonly MatrixStep[]>;
  /** Categories in matrix order (`ISO7816_A`, …, `LDS_O`). */
  readonly categories: readonly string[];
  /** The `#` header lines of the case list (the source). */
  readonly source: readonly string[];
}

/** `ISO7816_B_37` → `ISO7816_B`. */
export const categoryOf = (id: string): string => id.replace(/_\d+$/, '');

function rows(text: string, file: string): { header: string[]; cells: string[][] } {
  const header: string[] = [];
  const cells: string[][] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      header.push(line.slice(1).trim());
      return;
    }
    const c = line.split('\t');
    if (c.length < 4) throw new MatrixError(`${file}:${i + 1}: ${c.length} columns`);
    cells.push(c);
  });
  return { header, cells };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new MatrixError(`${where}: ${r.error.issues.map((x) => x.message).join('; ')}`);
  return r.data;
}

export function parseMatrix(casesText: string, stepsText: string): IcaoMatrix {
  const c = rows(casesText, 'cases');
  const cases = c.cells.map((r, i) => {
    const row = parse(
      caseRow,
      {
        id: r[0],
        section: r[1],
        tokens: (r[2] ?? '').split(' ').filter(Boolean),
        purpose: r.slice(3).join('\t'),
      },
      `cases row ${i + 1}`,
    );
    return { ...row, category: categoryOf(row.id) };
  });
  const byId = new Map(cases.map((x) => [x.id, x]));
  if (byId.size !== cases.length) throw new MatrixError('duplicate case id in the case list');
  const steps = new Map<string, MatrixStep[]>();
  for (const [i, r] of rows(stepsText, 'steps').cells.entries()) {
    const expect = (r[4] ?? '').split(' ');
    const sw = expect.find((e) => e.startsWith('sw='));
    const prefix = expect.find((e) => e.startsWith('prefix='));
    const step = parse(
      stepRow,
      {
        id: r[0],
        step: Number(r[1]),
        protected: r[2] === 'P',
        apdu: r[3],
        ...(sw ? { sw: sw.slice(3).split('|') } : {}),
        empty: expect.includes('empty'),
        ...(prefix ? { prefix: prefix.slice(7) } : {}),
      },
      `steps row ${i + 1}`,
    );
    if (!byId.has(step.id)) throw new MatrixError(`steps row ${i + 1}: unknown case ${step.id}`);
    steps.set(step.id, [...(steps.get(step.id) ?? []), step]);
  }
  const categories = [...new Set(cases.map((x) => x.category))];
  return { cases, byId, steps, categories, source: c.header };
}

let cached: IcaoMatrix | undefined;

/** The committed transcription (read once). */
export function icaoMatrix(): IcaoMatrix {
  cached ??= parseMatrix(
    readFileSync(packageFile('conformance', 'icao-part3', 'matrix-v3.2.cases.tsv'), 'utf8'),
    readFileSync(packageFile('conformance', 'icao-part3', 'matrix-v3.2.steps.tsv'), 'utf8'),
  );
  return cached;
}
