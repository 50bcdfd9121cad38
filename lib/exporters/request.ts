/**
 * What a user asks to export, validated at the edge (server actions, route handlers) and stored
 * on the Export row. No Node-only imports: the export form uses these schemas and constants too.
 */
import { z } from 'zod';

import { DEFAULT_FORMAT_OPTIONS, EXPORT_FORMATS, SPLIT_NAMES, TRL_PROMPT_TEMPLATES } from './types';

export const PAIR_STATUSES = ['KEPT', 'PENDING', 'DROPPED'] as const;
export type PairStatusName = (typeof PAIR_STATUSES)[number];

/** Exports larger than this (rows matching, after the limit) are written in the background. */
export const BACKGROUND_EXPORT_ROWS = 100_000;

const id = z.string().trim().min(1).max(100);
const seed = z.string().trim().min(1, 'enter a seed').max(100);

export const exportSplitSchema = z.object({
  /** Fraction of each topic (or of all rows) that goes to train. */
  trainRatio: z.number().min(0).max(1),
  seed,
  /**
   * true: exactly round(n · ratio) train rows per topic (needs a counting pass first);
   * false: a per-row hash of (seed, id), so a row keeps its split when the selection grows.
   */
  stratifyByTopic: z.boolean().default(true),
});
export type ExportSplit = z.output<typeof exportSplitSchema>;

export const exportSelectionSchema = z
  .object({
    /** Runs and imported datasets; both empty means every source. */
    runIds: z.array(id).max(1000).default([]),
    datasetIds: z.array(id).max(1000).default([]),
    /** Empty means every topic. */
    topics: z.array(z.string().max(200)).max(500).default([]),
    /** Effective status (the human decision when there is one, else the automatic one). */
    statuses: z.array(z.enum(PAIR_STATUSES)).min(1, 'choose at least one status').default(['KEPT']),
    auditPassedOnly: z.boolean().default(false),
    excludeAuditRejected: z.boolean().default(true),
    includeHumanEdited: z.boolean().default(true),
    dedupInstructions: z.boolean().default(true),
    split: exportSplitSchema.nullable().default(null),
    /** At most this many rows are exported (counted after dedup). */
    limit: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
    /** Export order: by id when null, else a seeded shuffle (with a limit: a seeded random sample). */
    shuffleSeed: seed.nullable().default(null),
  })
  .strict();
export type ExportSelection = z.output<typeof exportSelectionSchema>;
export type ExportSelectionInput = z.input<typeof exportSelectionSchema>;

export const CARD_LICENSES = ['cc-by-nc-4.0', 'cc-by-4.0', 'cc-by-sa-4.0', 'mit', 'apache-2.0', 'other'] as const;

/** The card's fields as stored on Export rows (older rows predate the license check below). */
export const exportCardFieldsSchema = z
  .object({
    title: z.string().trim().min(1).max(200).default('Safer-Instruct preference data'),
    license: z.enum(CARD_LICENSES).default('cc-by-nc-4.0'),
    /** With license `other`, the Hub wants an id for the license and a link to its text. */
    licenseName: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'use a short id such as my-license-1.0 (lower case, digits, "." and "-")')
      .nullable()
      .default(null),
    licenseLink: z.string().trim().url('enter the URL of the license text').max(500).nullable().default(null),
    language: z
      .array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)?$/, 'use language codes such as en or pt-BR'))
      .min(1)
      .max(20)
      .default(['en']),
    /** Ask for name, affiliation and intended use before the Hub hands out the files (the data is harmful by design). */
    gatedAccess: z.boolean().default(true),
    /** An evaluation whose results the card includes (lib/eval/report.ts `evalCardSection`). */
    evaluationId: z.string().min(1).max(100).optional(),
  })
  .strict();

export const exportCardSchema = exportCardFieldsSchema.refine((card) => card.license !== 'other' || (card.licenseName !== null && card.licenseLink !== null), {
    message: 'a custom ("other") license needs a license id and a link to its text',
    path: ['licenseName'],
  });
export type ExportCardOptions = z.output<typeof exportCardSchema>;

/** Per-format choices (see FormatOptions); the defaults keep every text exactly as stored. */
export const formatOptionsSchema = z
  .object({
    trlPromptTemplate: z.enum(TRL_PROMPT_TEMPLATES).default(DEFAULT_FORMAT_OPTIONS.trlPromptTemplate),
    csvSpreadsheetSafe: z.boolean().default(DEFAULT_FORMAT_OPTIONS.csvSpreadsheetSafe),
    csvBom: z.boolean().default(DEFAULT_FORMAT_OPTIONS.csvBom),
  })
  .strict();

/** A bundle: every chosen format and split, the dataset card and the manifest, in one .zip. */
export const bundleRequestSchema = z
  .object({
    selection: exportSelectionSchema,
    formats: z.array(z.enum(EXPORT_FORMATS)).min(1, 'choose at least one format').max(EXPORT_FORMATS.length),
    formatOptions: formatOptionsSchema.default(DEFAULT_FORMAT_OPTIONS),
    card: exportCardSchema.default({
      title: 'Safer-Instruct preference data',
      license: 'cc-by-nc-4.0',
      licenseName: null,
      licenseLink: null,
      language: ['en'],
      gatedAccess: true,
    }),
  })
  .strict();
export type BundleRequest = z.output<typeof bundleRequestSchema>;
export type BundleRequestInput = z.input<typeof bundleRequestSchema>;

export const STREAM_SPLITS = ['all', ...SPLIT_NAMES] as const;
export type StreamSplit = (typeof STREAM_SPLITS)[number];

/** A direct download: one format, one file, streamed from the database as it is read. */
export const streamRequestSchema = z
  .object({
    selection: exportSelectionSchema,
    format: z.enum(EXPORT_FORMATS),
    split: z.enum(STREAM_SPLITS).default('all'),
    formatOptions: formatOptionsSchema.default(DEFAULT_FORMAT_OPTIONS),
  })
  .strict()
  .refine((request) => request.split === 'all' || request.selection.split !== null, {
    message: 'a train or test file needs a split in the selection',
    path: ['split'],
  });
export type StreamRequest = z.output<typeof streamRequestSchema>;
export type StreamRequestInput = z.input<typeof streamRequestSchema>;

/** What the Export row keeps of the request (its `formats` column holds the formats). */
export const storedExportRequestSchema = z.discriminatedUnion('delivery', [
  z.object({
    delivery: z.literal('bundle'),
    selection: exportSelectionSchema,
    card: exportCardFieldsSchema,
    formatOptions: formatOptionsSchema.default(DEFAULT_FORMAT_OPTIONS),
  }),
  z.object({
    delivery: z.literal('stream'),
    selection: exportSelectionSchema,
    split: z.enum(STREAM_SPLITS),
    formatOptions: formatOptionsSchema.default(DEFAULT_FORMAT_OPTIONS),
  }),
]);
export type StoredExportRequest = z.output<typeof storedExportRequestSchema>;

export const exportedFileSchema = z.object({
  name: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  format: z.enum(EXPORT_FORMATS).optional(),
  split: z.enum(SPLIT_NAMES).optional(),
  rows: z.number().optional(),
  skippedIncomplete: z.number().optional(),
});

/** Export.files: every file with its hash, and the .zip for bundles. */
export const exportFilesSchema = z.object({
  bundle: z.object({ name: z.string(), bytes: z.number(), sha256: z.string() }).nullable(),
  files: z.array(exportedFileSchema),
});
export type ExportFiles = z.output<typeof exportFilesSchema>;

/** Export.counts: what was expected at creation, then the final counts (see ManifestCounts). */
export const exportCountsSchema = z
  .object({
    matching: z.number().optional(),
    simulatedMatching: z.number().optional(),
    rowsIn: z.number().optional(),
    duplicatesRemoved: z.number().optional(),
    rowsExported: z.number().optional(),
    incompletePairs: z.number().optional(),
    simulated: z.number().optional(),
    humanEdited: z.number().optional(),
    perSplit: z.record(z.string(), z.number()).optional(),
  })
  .passthrough();
export type ExportCounts = z.output<typeof exportCountsSchema>;
