/**
 * Declarative description of a file tree, validated with zod, from which {@link buildFileSystem}
 * builds the nodes (DESIGN.md §2: the tree is built from a profile, not from imperative code).
 * Content is hex text in JSON profiles or bytes when a personaliser builds it in code.
 */
import { z } from 'zod';
import { fromHex } from '../../bytes/hex.ts';
import { fileAccessSchema } from '../access.ts';

const bytesSchema = z.union([
  z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes expected'),
  z
    .string()
    .regex(/^([0-9a-fA-F]{2}[\s:]?)*$/, 'hex string expected')
    .transform((s) => fromHex(s)),
]);

const fid = z.number().int().min(0).max(0xffff);
const lifeCycle = z.enum(['creation', 'initialisation', 'activated', 'deactivated', 'terminated']);

const efTransparentSchema = z
  .object({
    kind: z.literal('EF'),
    fid,
    sfi: z.number().int().min(1).max(30).optional(),
    name: z.string().optional(),
    content: bytesSchema,
    lifeCycle: lifeCycle.optional(),
    access: fileAccessSchema.optional(),
  })
  .strict();

const efRecordSchema = z
  .object({
    kind: z.literal('EF-record'),
    fid,
    sfi: z.number().int().min(1).max(30).optional(),
    name: z.string().optional(),
    records: z.array(bytesSchema).max(254),
    lifeCycle: lifeCycle.optional(),
    access: fileAccessSchema.optional(),
  })
  .strict();

export type EfSpec = z.input<typeof efTransparentSchema> | z.input<typeof efRecordSchema>;

export interface DfSpec {
  readonly kind: 'DF';
  readonly fid?: number;
  readonly dfName?: string | Uint8Array;
  readonly name?: string;
  readonly application?: string;
  readonly lifeCycle?: z.infer<typeof lifeCycle>;
  readonly access?: z.input<typeof fileAccessSchema>;
  readonly children: readonly (DfSpec | EfSpec)[];
}

export interface MfSpec {
  readonly kind: 'MF';
  /** Some cards name the MF as an application (the CIE's MF is the IAS root, ias/README.md §2.1). */
  readonly dfName?: string | Uint8Array;
  readonly name?: string;
  readonly application?: string;
  readonly children: readonly (DfSpec | EfSpec)[];
}

type ParsedNode = z.output<typeof efTransparentSchema> | z.output<typeof efRecordSchema> | ParsedDf;
export interface ParsedDf {
  kind: 'DF' | 'MF';
  fid?: number | undefined;
  dfName?: Uint8Array | undefined;
  name?: string | undefined;
  application?: string | undefined;
  lifeCycle?: z.infer<typeof lifeCycle> | undefined;
  access?: z.output<typeof fileAccessSchema> | undefined;
  children: ParsedNode[];
}
export type ParsedSpecNode = ParsedNode;

const nodeSchema: z.ZodType<ParsedNode, DfSpec | EfSpec> = z.lazy(() =>
  z.union([efTransparentSchema, efRecordSchema, dfSchema]),
) as unknown as z.ZodType<ParsedNode, DfSpec | EfSpec>;

const dfSchema = z
  .object({
    kind: z.literal('DF'),
    fid: fid.optional(),
    dfName: bytesSchema.optional(),
    name: z.string().optional(),
    application: z.string().optional(),
    lifeCycle: lifeCycle.optional(),
    access: fileAccessSchema.optional(),
    children: z.array(nodeSchema),
  })
  .strict();

export const mfSpecSchema: z.ZodType<ParsedDf, MfSpec> = z
  .object({
    kind: z.literal('MF'),
    dfName: bytesSchema.optional(),
    name: z.string().optional(),
    application: z.string().optional(),
    children: z.array(nodeSchema),
  })
  .strict() as unknown as z.ZodType<ParsedDf, MfSpec>;
