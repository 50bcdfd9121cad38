import type { Transform } from 'node:stream';

import type { PromptMessage } from '@/lib/pairs/prompt-messages';

export type AuditStatus = 'none' | 'accepted' | 'rejected';
export type SourceKind = 'run' | 'dataset';

/** One preference pair as the database hands it to every exporter. */
export type ExportRow = {
  id: string;
  instruction: string;
  /** The structured prompt (system message, turns) of an imported pair; null for a single-turn prompt. */
  promptMessages: readonly PromptMessage[] | null;
  /** A blank response (empty or whitespace only) counts as missing, like null (see `hasText`). */
  chosen: string | null;
  rejected: string | null;
  topic: string | null;
  sourceKind: SourceKind;
  sourceId: string;
  sourceName: string;
  instructionVerdict: string | null;
  instructionReason: string | null;
  responseVerdict: string | null;
  responseReason: string | null;
  auditStatus: AuditStatus;
  humanEdited: boolean;
  simulated: boolean;
  /** Present on rows read through COPY (see copy-rows.ts): the same row as bytes, for writers that can skip the strings. */
  encoded?: EncodedRow;
};

/** A row's long texts as the UTF-8 bytes Postgres stores, and the lines Postgres built for it. */
export type EncodedRow = {
  /** Null when the reader left the long texts unread (`RowsOptions.linesOnly`). */
  text: {
    instruction: Uint8Array;
    chosen: Uint8Array | null;
    rejected: Uint8Array | null;
    instructionReason: Uint8Array | null;
    responseReason: Uint8Array | null;
  } | null;
  /** The line each `Exporter.sqlLine` expression built (without its newline), keyed by that SQL; null for a row lacking a required side. */
  lines: ReadonlyMap<string, Uint8Array | null>;
  /** Both sides have text (`hasText`), as Postgres computed it (`bothSidesSql`). */
  bothSides: boolean;
};

export const EXPORT_FORMATS = [
  'trl-standard',
  'trl-conversational',
  'openai-preference',
  'hh-rlhf',
  'alpaca',
  'reversed-tuning',
  'csv',
  'parquet',
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const SPLIT_NAMES = ['train', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * Which sides of the pair a format cannot do without. Rows missing a required side are
 * skipped and counted in `skippedIncomplete`; `none` keeps every row (nulls stay null).
 */
export type RequiredSides = 'both' | 'chosen' | 'none';

export type ExportStats = {
  rowsIn: number;
  rowsWritten: number;
  skippedIncomplete: number;
};

/** Object-mode `ExportRow` in, bytes out; `stats` is final once the stream has ended. */
export type ExportTransform = Transform & { readonly stats: ExportStats };

export type ParquetCodec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';

/**
 * How the TRL standard format lays out its text prompt: `none` is the bare instruction (training
 * text is instruction + answer with nothing between), `alpaca` the Alpaca instruction template,
 * `hh` Anthropic's "\n\nHuman: …\n\nAssistant:" with a space before each completion.
 */
export const TRL_PROMPT_TEMPLATES = ['none', 'alpaca', 'hh'] as const;
export type TrlPromptTemplate = (typeof TRL_PROMPT_TEMPLATES)[number];

/** Per-format choices a user makes; every exporter gets all of them and reads its own. */
export type FormatOptions = {
  trlPromptTemplate: TrlPromptTemplate;
  /** CSV: neutralise cells that a spreadsheet would run as a formula (see `neutraliseFormula`). */
  csvSpreadsheetSafe: boolean;
  /** CSV: start the file with a UTF-8 byte order mark, so Excel reads it as UTF-8. */
  csvBom: boolean;
};

export const DEFAULT_FORMAT_OPTIONS: FormatOptions = { trlPromptTemplate: 'none', csvSpreadsheetSafe: false, csvBom: false };

export type ExporterCreateOptions = {
  formatOptions?: FormatOptions;
  /** Rows per Parquet row group; only the Parquet exporter reads it. */
  parquetRowGroupSize?: number;
  /** Page compression of the Parquet files (default SNAPPY, see DEFAULT_PARQUET_CODEC). */
  parquetCodec?: ParquetCodec;
  /**
   * Encode Parquet on a worker thread so reading and encoding overlap. runExport turns it on (a
   * bundle's JSONL and its config Parquet are then written at once); a lone transform defaults to
   * in-thread. Since the rows' texts reach the worker as packed bytes and its young generation is
   * small, it costs ~15 MB more resident memory (it cost ~90 MB when it was handed strings).
   */
  parquetWorker?: boolean;
};

/** Hugging Face `datasets` feature description, used for `dataset_info` in the card. */
export type CardFeature =
  | { name: string; dtype: 'string' | 'bool' }
  | { name: string; list: CardFeature[] }
  | { name: string; struct: CardFeature[] };

export type Exporter = {
  extension: string;
  contentType: string;
  label: string;
  needsBothSides: boolean;
  requiredSides: RequiredSides;
  features: readonly CardFeature[];
  create(options?: ExporterCreateOptions): ExportTransform;
  /**
   * An SQL expression over the pair `p` that builds exactly the line `create` would write for a
   * row (without the newline), NULL for a row lacking a required side; null when these options
   * have no such expression. Rows read through COPY then carry the line as bytes
   * (`EncodedRow.lines`) and the writer copies it: Postgres escapes JSON ~5x faster than the
   * Node side builds it (issue 16). `literal` quotes a constant (COPY takes no parameters).
   */
  sqlLine?(options: FormatOptions, literal: (text: string) => string): string | null;
  /**
   * The same records as a Parquet file with the `features` above, for the dataset card's config:
   * `datasets` reads every config of a card with one builder, so every config is Parquet.
   */
  createParquet(options?: ExporterCreateOptions): ExportTransform;
};

export type ChatMessage = PromptMessage;
