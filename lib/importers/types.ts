import { z } from 'zod';

import type { StoredPrompt } from '@/lib/pairs/prompt-messages';

export const importFormats = ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'text'] as const;
export type ImportFormat = (typeof importFormats)[number];

/** Delimiters we detect, in tie-break order (a comma wins over a semicolon with equal evidence). */
export const csvDelimiters = [',', '\t', ';', '|'] as const;
export type CsvDelimiter = (typeof csvDelimiters)[number];

/**
 * One record as read from the file, before any mapping. `line` is the 1-based physical line where
 * the record starts (for Parquet: the 1-based row number). Field values are JSON-compatible
 * (string, number, boolean, null, arrays, plain objects); CSV/TSV/text values are always strings.
 */
export type RawRecord = { line: number; fields: Record<string, unknown> };

/** A problem with one row. The import goes on (policy 'skip') or stops (policy 'abort'). */
export type RowError = { line: number; column?: string; reason: string };

export type SourceRow = {
  text: string;
  topic: string | null;
  externalId: string | null;
  metadata: Record<string, unknown>;
  line: number;
};

export type PairRow = {
  instruction: string;
  /** The structured prompt (system message, turns) when the record had one; see lib/pairs/prompt-messages. */
  promptMessages: StoredPrompt | null;
  chosen: string | null;
  rejected: string | null;
  topic: string | null;
  externalId: string | null;
  metadata: Record<string, unknown>;
  line: number;
};

export type RowErrorPolicy = 'skip' | 'abort';

export interface ImportLimits {
  /** Raw (possibly compressed) bytes accepted. */
  maxBytes: number;
  /** Bytes accepted after decompression (gzip files, GZIP/Brotli/Snappy Parquet pages). */
  maxDecompressedBytes: number;
  /** One Parquet page, uncompressed (writers aim at about 1 MB; more only for a few huge values). */
  maxParquetPageBytes: number;
  /** Expansion ratio (decompressed / compressed) above which the file is treated as a bomb… */
  maxExpansionRatio: number;
  /** …once at least this many bytes came out of the decompressor (small files compress oddly). */
  expansionCheckAfterBytes: number;
  /** One physical line / one record / one JSON array element; bounds memory per record. */
  maxRecordBytes: number;
  /** Stored texts (text, instruction, chosen, rejected) longer than this many characters are row errors. */
  maxTextLength: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const defaultImportLimits: ImportLimits = {
  maxBytes: 2 * GiB,
  maxDecompressedBytes: 8 * GiB,
  maxParquetPageBytes: 64 * MiB,
  maxExpansionRatio: 200,
  expansionCheckAfterBytes: 4 * MiB,
  maxRecordBytes: 8 * MiB,
  maxTextLength: 32_000,
};

/** A file on disk, or an upload stream (with its original name, used for extension hints). */
export type ImportInput = string | { stream: AsyncIterable<Uint8Array>; fileName?: string; size?: number };

export interface OpenImportOptions extends Partial<ImportLimits> {
  /** The format the user chose; checked against the content (a mismatch is WRONG_FORMAT). */
  declaredFormat?: ImportFormat;
  /** Force a CSV delimiter instead of detecting it. TSV always uses a tab. */
  delimiter?: CsvDelimiter;
}

export interface ReadOptions extends OpenImportOptions {
  onRowError?: RowErrorPolicy;
  /** Stop with TOO_MANY_ERRORS after this many row errors (policy 'skip'). Default: no limit. */
  maxRowErrors?: number;
}

/** Progress counters, updated while an import is iterated (read them any time, e.g. for a job's progress). */
export interface ImportStats {
  format: ImportFormat | null;
  compressed: boolean;
  delimiter: CsvDelimiter | null;
  /** Raw bytes of the file, when known up front (path input or a stream with `size`). */
  totalBytes: number | null;
  /** Raw bytes consumed so far (compressed bytes for gzip). */
  bytesRead: number;
  /** Records seen (good rows + row errors). */
  records: number;
  rows: number;
  errors: number;
}

// ---- Mappings (they come from the browser, so they are zod-validated at the edge) ----

const columnName = z.string().min(1).max(500);

export const topicMappingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('column'), column: columnName }).strict(),
  z.object({ kind: z.literal('fixed'), value: z.string().trim().min(1).max(200) }).strict(),
]);
export type TopicMapping = z.infer<typeof topicMappingSchema>;

const sharedMappingFields = {
  topic: topicMappingSchema.default({ kind: 'none' }),
  idColumn: columnName.nullable().default(null),
  metadataColumns: z.array(columnName).max(500).default([]),
};

export const sourceMappingSchema = z
  .object({ textColumn: columnName, ...sharedMappingFields })
  .strict();
export type SourceMapping = z.infer<typeof sourceMappingSchema>;
export type SourceMappingInput = z.input<typeof sourceMappingSchema>;

export const pairShapeNames = ['columns', 'trl', 'trl-conversational', 'openai', 'hh-rlhf'] as const;
export type PairShape = (typeof pairShapeNames)[number];

export const pairMappingSchema = z.discriminatedUnion('shape', [
  z
    .object({
      shape: z.literal('columns'),
      instructionColumn: columnName,
      chosenColumn: columnName.nullable().default(null),
      rejectedColumn: columnName.nullable().default(null),
      ...sharedMappingFields,
    })
    .strict(),
  z
    .object({ shape: z.enum(['trl', 'trl-conversational', 'openai', 'hh-rlhf']), ...sharedMappingFields })
    .strict(),
]);
export type PairMapping = z.infer<typeof pairMappingSchema>;
export type PairMappingInput = z.input<typeof pairMappingSchema>;
