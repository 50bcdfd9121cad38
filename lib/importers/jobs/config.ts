import { z } from 'zod';

import {
  csvDelimiters,
  defaultImportLimits,
  importFormats,
  pairMappingSchema,
  sourceMappingSchema,
  type ImportFormat,
} from '../types';

/** Row errors beyond this stop the import (a wrong mapping should not write a million report rows). */
export const defaultMaxRowErrors = 10_000;

/** Upper bound for the "max text length" option: far above any sensible text, far below Postgres' limits. */
export const maxTextLengthCeiling = 1_000_000;

const name = z.string().trim().min(1, 'Give it a name.').max(200);
const description = z.string().trim().max(2000).nullable().default(null);

const newTarget = z.object({ mode: z.literal('new'), name, description }).strict();

const commonOptions = {
  /** null: from the file name, else from the content. */
  format: z.enum(importFormats).nullable().default(null),
  delimiter: z.enum(csvDelimiters).nullable().default(null),
  onRowError: z.enum(['skip', 'abort']).default('skip'),
  maxTextLength: z.number().int().min(1).max(maxTextLengthCeiling).default(defaultImportLimits.maxTextLength),
  maxRowErrors: z.number().int().min(0).max(1_000_000).default(defaultMaxRowErrors),
};

/** What the user chose on the mapping step (or on the command line); validated at the edge. */
export const importConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('corpus'),
      target: z.discriminatedUnion('mode', [newTarget, z.object({ mode: z.literal('existing'), corpusId: z.string().min(1).max(100) }).strict()]),
      mapping: sourceMappingSchema,
      ...commonOptions,
    })
    .strict(),
  z
    .object({
      // Every imported preference file becomes its own dataset, so deleting the import deletes exactly its pairs.
      kind: z.literal('dataset'),
      target: newTarget,
      mapping: pairMappingSchema,
      ...commonOptions,
    })
    .strict(),
]);
export type ImportConfig = z.infer<typeof importConfigSchema>;
export type ImportConfigInput = z.input<typeof importConfigSchema>;
export type ImportTargetKind = ImportConfig['kind'];

export const importPhases = ['pending', 'checking', 'importing', 'finishing', 'done'] as const;
export type ImportPhase = (typeof importPhases)[number];

export const failureKinds = ['file', 'rows', 'interrupted'] as const;
export type FailureKind = (typeof failureKinds)[number];

/** Bookkeeping of the runner, kept next to the config in `Import.options`. */
export const importStateSchema = z.object({
  phase: z.enum(importPhases).default('pending'),
  /** The uploaded copy belongs to the import and is removed once it is no longer needed (CLI files are the user's). */
  ownsFile: z.boolean().default(false),
  /** The corpus/dataset was created by this import (removed with it when it ends up empty). */
  createdTarget: z.boolean().default(false),
  /** Shown even after the target is gone. */
  targetName: z.string().default(''),
  /** Records, good rows and row errors found by the check pass (null until it finished). */
  totalRecords: z.number().int().nullable().default(null),
  totalRows: z.number().int().nullable().default(null),
  bytesRead: z.number().default(0),
  /** rowsRead when the current attempt started, for rows/s of resumed imports. */
  rowsAtStart: z.number().int().default(0),
  failureKind: z.enum(failureKinds).nullable().default(null),
  /** Records read so far by the check pass (progress before the totals are known). */
  checkedRecords: z.number().int().default(0),
  compressed: z.boolean().default(false),
  /** Identifies the current attempt: a runner whose token no longer matches stops writing. */
  runToken: z.string().nullable().default(null),
});
export type ImportState = z.infer<typeof importStateSchema>;

export const importOptionsSchema = z.object({
  config: importConfigSchema.nullable().default(null),
  state: importStateSchema.default(importStateSchema.parse({})),
});
export type ImportOptions = z.infer<typeof importOptionsSchema>;

export function parseImportOptions(value: unknown): ImportOptions {
  return importOptionsSchema.parse(value ?? {});
}

export const importKindOf: Record<ImportTargetKind, 'CORPUS' | 'PREFERENCE_DATASET'> = {
  corpus: 'CORPUS',
  dataset: 'PREFERENCE_DATASET',
};

export function declaredFormatOf(config: ImportConfig): ImportFormat | undefined {
  return config.format ?? undefined;
}
