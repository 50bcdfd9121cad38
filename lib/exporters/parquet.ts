import { Transform, type TransformCallback } from 'node:stream';

import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';

import { TABLE_COLUMNS, TABLE_FEATURES, type TableValue } from './columns';
import type { Exporter, ExporterCreateOptions, ExportRow, ExportStats, ExportTransform } from './types';

/** Large enough for good compression and few footer entries, small enough that one group of long texts fits comfortably in memory. */
export const DEFAULT_PARQUET_ROW_GROUP_SIZE = 20_000;

const PARQUET_SCHEMA = schemaFromColumnData({
  columnData: TABLE_COLUMNS.map((column) => ({
    name: column.name,
    data: [],
    type: column.kind === 'bool' ? 'BOOLEAN' : 'STRING',
    nullable: column.nullable,
  })),
});

/**
 * Buffers one row group of columns, encodes it with hyparquet-writer's incremental
 * `ParquetWriter`, and passes the encoded bytes on at once, so memory holds a single row group
 * no matter how many rows stream through. The footer (row-group index) is written on end.
 */
class ParquetRowGroupTransform extends Transform implements ExportTransform {
  readonly stats: ExportStats = { rowsIn: 0, rowsWritten: 0, skippedIncomplete: 0 };
  private readonly bytes = new ByteWriter(1 << 20);
  private readonly parquet: ParquetWriter;
  private group: TableValue[][] = [];
  private groupRows = 0;

  constructor(private readonly rowGroupSize: number) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 256 });
    if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
      throw new Error(`parquetRowGroupSize must be a positive integer, got ${rowGroupSize}`);
    }
    this.parquet = new ParquetWriter({
      writer: this.bytes,
      schema: PARQUET_SCHEMA,
      createdBy: 'safer-instruct-studio',
    });
    this.startGroup();
  }

  private startGroup(): void {
    this.group = TABLE_COLUMNS.map(() => []);
    this.groupRows = 0;
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.rowsIn++;
    for (let i = 0; i < TABLE_COLUMNS.length; i++) this.group[i].push(TABLE_COLUMNS[i].read(row));
    this.groupRows++;
    this.stats.rowsWritten++;
    if (this.groupRows < this.rowGroupSize) {
      callback();
      return;
    }
    try {
      this.writeGroup();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.groupRows > 0) this.writeGroup();
      void this.parquet.finish();
      this.pushEncoded();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private writeGroup(): void {
    const columnData: ColumnSource[] = TABLE_COLUMNS.map((column, i) => ({
      name: column.name,
      data: this.group[i],
    }));
    // ByteWriter has no async flush, so write() finishes synchronously.
    void this.parquet.write({ columnData, rowGroupSize: this.groupRows });
    this.startGroup();
    this.pushEncoded();
  }

  /** Hands on what the writer has encoded so far and rewinds its buffer; `offset` keeps counting file positions. */
  private pushEncoded(): void {
    if (this.bytes.index === 0) return;
    this.push(Buffer.from(this.bytes.getBytes()));
    this.bytes.index = 0;
  }
}

export const parquetExporter: Exporter = {
  extension: 'parquet',
  contentType: 'application/vnd.apache.parquet',
  label: 'Parquet (all columns)',
  requiredSides: 'none',
  needsBothSides: false,
  features: TABLE_FEATURES,
  create: (options?: ExporterCreateOptions) =>
    new ParquetRowGroupTransform(options?.parquetRowGroupSize ?? DEFAULT_PARQUET_ROW_GROUP_SIZE),
};
