import { createLineTransform } from './lineTransform';
import { DEFAULT_PARQUET_CODEC, DEFAULT_PARQUET_ROW_GROUP_SIZE } from './parquet-codecs';
import { createRecordParquetTransform, type ParquetRecord } from './record-parquet';
import { lineSqlFor } from './sql-lines';
import {
  DEFAULT_FORMAT_OPTIONS,
  type CardFeature,
  type Exporter,
  type ExporterCreateOptions,
  type ExportRow,
  type FormatOptions,
  type RequiredSides,
} from './types';

export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

export type JsonlExporterSpec<TRecord> = {
  label: string;
  requiredSides: RequiredSides;
  /** The record's columns, in order; also the Parquet schema of the card's config. */
  features: readonly CardFeature[];
  /** null when the row lacks a side the format needs. */
  toRecord: (row: ExportRow, options: FormatOptions) => TRecord | null;
  /** See `Exporter.sqlLine`: the same line as `JSON.stringify(toRecord(row))`, built by Postgres. */
  sqlLine?: Exporter['sqlLine'];
  /**
   * The record's string fields as the UTF-8 bytes of a row read through COPY, for its Parquet
   * file; undefined where they are not simply stored texts (then `toRecord` is used).
   */
  toRecordBytes?: (row: ExportRow, options: FormatOptions) => Record<string, Uint8Array> | null | undefined;
};

/** One JSON object per line; each record is stringified exactly once. */
export function defineJsonlExporter<TRecord extends object>(spec: JsonlExporterSpec<TRecord>): Exporter {
  const { toRecord, sqlLine, toRecordBytes } = spec;
  const exporter: Exporter = {
    extension: 'jsonl',
    contentType: JSONL_CONTENT_TYPE,
    label: spec.label,
    requiredSides: spec.requiredSides,
    needsBothSides: spec.requiredSides === 'both',
    features: spec.features,
    sqlLine,
    create: (options?: ExporterCreateOptions) => {
      const formatOptions = options?.formatOptions ?? DEFAULT_FORMAT_OPTIONS;
      return createLineTransform(
        (row) => {
          const record = toRecord(row, formatOptions);
          return record === null ? null : JSON.stringify(record) + '\n';
        },
        '',
        lineSqlFor(exporter, formatOptions),
      );
    },
    createParquet: (options?: ExporterCreateOptions) => {
      const formatOptions = options?.formatOptions ?? DEFAULT_FORMAT_OPTIONS;
      const recordOf = (row: ExportRow): ParquetRecord | null => {
        const bytes = toRecordBytes?.(row, formatOptions);
        return bytes !== undefined ? bytes : (toRecord(row, formatOptions) as ParquetRecord | null);
      };
      return createRecordParquetTransform(spec.features, recordOf, {
        rowGroupSize: options?.parquetRowGroupSize ?? DEFAULT_PARQUET_ROW_GROUP_SIZE,
        codec: options?.parquetCodec ?? DEFAULT_PARQUET_CODEC,
        worker: options?.parquetWorker,
      });
    },
  };
  return exporter;
}

export const stringFeature = (name: string): CardFeature => ({ name, dtype: 'string' });

/** `[{content, role}]` — the features of a chat message list as `datasets` infers them (keys sorted). */
export const messageListFeature = (name: string): CardFeature => ({
  name,
  list: [stringFeature('content'), stringFeature('role')],
});
