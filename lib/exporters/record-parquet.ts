/**
 * The JSONL formats' records as Parquet, with the nested types their features describe
 * (`list` of structs for chat messages, `struct` for OpenAI's `input`): the files the dataset
 * card's configs point at, because `datasets` loads every config with the builder of the first.
 */
import { Transform, type TransformCallback } from 'node:stream';

import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';

import { parquetWorkerAvailable, ParquetWorkerTransform } from './parquet';
import { PAGE_COMPRESSORS, PARQUET_ROW_GROUP_MAX_CHARS } from './parquet-codecs';
import type { CardFeature, ExportRow, ExportStats, ExportTransform, ParquetCodec } from './types';

type RecordValue = string | boolean | Uint8Array | RecordValue[] | { [key: string]: RecordValue };
export type ParquetRecord = { [key: string]: RecordValue };

/** Parquet schema elements of one feature: every value is required (the JSONL formats never hold null). */
function featureSchema(feature: CardFeature): SchemaElement[] {
  if ('dtype' in feature) {
    return feature.dtype === 'bool'
      ? [{ name: feature.name, type: 'BOOLEAN', repetition_type: 'REQUIRED' }]
      : [{ name: feature.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }];
  }
  if ('list' in feature) {
    // The three-level LIST layout that Arrow, DuckDB and Spark all read as list<struct>.
    return [
      { name: feature.name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'REQUIRED', num_children: feature.list.length },
      ...feature.list.flatMap(featureSchema),
    ];
  }
  return [{ name: feature.name, repetition_type: 'REQUIRED', num_children: feature.struct.length }, ...feature.struct.flatMap(featureSchema)];
}

export function recordParquetSchema(features: readonly CardFeature[]): SchemaElement[] {
  return [{ name: 'root', num_children: features.length }, ...features.flatMap(featureSchema)];
}

/** A flat string column (prompt, chosen, …): PLAIN, as the table's free text (see PLAIN_TEXT in parquet.ts). */
function isFreeText(feature: CardFeature): boolean {
  return 'dtype' in feature && feature.dtype === 'string';
}

function textLength(value: RecordValue): number {
  if (typeof value === 'string' || value instanceof Uint8Array) return value.length;
  if (typeof value === 'boolean') return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  return Object.values(value).reduce((sum: number, item) => sum + textLength(item), 0);
}

class RecordParquetTransform extends Transform implements ExportTransform {
  readonly stats: ExportStats = { rowsIn: 0, rowsWritten: 0, skippedIncomplete: 0 };
  private readonly bytes = new ByteWriter(1 << 20);
  private readonly parquet: ParquetWriter;
  private columns: RecordValue[][];
  private rows = 0;
  private chars = 0;

  constructor(
    private readonly features: readonly CardFeature[],
    private readonly toRecord: (row: ExportRow) => ParquetRecord | null,
    private readonly rowGroupSize: number,
    codec: ParquetCodec,
  ) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 256 });
    this.columns = features.map(() => []);
    this.parquet = new ParquetWriter({
      writer: this.bytes,
      schema: recordParquetSchema(features),
      codec,
      compressors: PAGE_COMPRESSORS,
      createdBy: 'safer-instruct-studio',
    });
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.rowsIn++;
    try {
      const record = this.toRecord(row);
      if (record === null) {
        this.stats.skippedIncomplete++;
        callback();
        return;
      }
      this.stats.rowsWritten++;
      this.features.forEach((feature, index) => {
        const value = record[feature.name];
        this.chars += textLength(value);
        this.columns[index].push(value);
      });
      this.rows++;
      if (this.rows >= this.rowGroupSize || this.chars >= PARQUET_ROW_GROUP_MAX_CHARS) this.writeGroup();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.rows > 0) this.writeGroup();
      void this.parquet.finish();
      this.pushEncoded();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private writeGroup(): void {
    const columnData: ColumnSource[] = this.features.map((feature, index) => ({
      name: feature.name,
      data: this.columns[index],
      // Min/max of free text is useless for pruning and costs a full string comparison per value.
      statistics: false,
      ...(isFreeText(feature) ? { encoding: 'PLAIN' as const } : {}),
    }));
    // ByteWriter has no async flush, so write() finishes synchronously.
    void this.parquet.write({ columnData, rowGroupSize: this.rows });
    this.columns = this.features.map(() => []);
    this.rows = 0;
    this.chars = 0;
    this.pushEncoded();
  }

  private pushEncoded(): void {
    if (this.bytes.index === 0) return;
    this.push(Buffer.from(this.bytes.getBytes()));
    this.bytes.index = 0;
  }
}

export function createRecordParquetTransform(
  features: readonly CardFeature[],
  toRecord: (row: ExportRow) => ParquetRecord | null,
  options: { rowGroupSize: number; codec: ParquetCodec; worker?: boolean },
): ExportTransform {
  if (!Number.isInteger(options.rowGroupSize) || options.rowGroupSize < 1) {
    throw new Error(`parquetRowGroupSize must be a positive integer, got ${options.rowGroupSize}`);
  }
  if (options.worker === true && parquetWorkerAvailable()) {
    return new ParquetWorkerTransform({
      schema: recordParquetSchema(features),
      columns: features.map((feature) => ({ name: feature.name, statistics: false, plain: isFreeText(feature) })),
      rowGroupSize: options.rowGroupSize,
      codec: options.codec,
      toValues: (row) => {
        const record = toRecord(row);
        if (record === null) return null;
        const values = features.map((feature) => record[feature.name]);
        return { values, chars: values.reduce((sum: number, value) => sum + textLength(value), 0) };
      },
    });
  }
  return new RecordParquetTransform(features, toRecord, options.rowGroupSize, options.codec);
}
