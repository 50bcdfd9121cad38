import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';

import { TABLE_COLUMNS, TABLE_FEATURES, type TableValue } from './columns';
import { DEFAULT_PARQUET_CODEC, DEFAULT_PARQUET_ROW_GROUP_SIZE, PAGE_COMPRESSORS, PARQUET_ROW_GROUP_MAX_CHARS } from './parquet-codecs';
import type { Exporter, ExporterCreateOptions, ExportRow, ExportStats, ExportTransform, ParquetCodec } from './types';

export { DEFAULT_PARQUET_CODEC, DEFAULT_PARQUET_ROW_GROUP_SIZE, PARQUET_ROW_GROUP_MAX_CHARS };

/** Min/max of free text is useless for pruning and costs a full string comparison per value. */
const NO_STATISTICS = new Set(['instruction', 'chosen', 'rejected', 'instruction_reason', 'response_reason']);

const PARQUET_SCHEMA = schemaFromColumnData({
  columnData: TABLE_COLUMNS.map((column) => ({
    name: column.name,
    data: [],
    type: column.kind === 'bool' ? 'BOOLEAN' : 'STRING',
    nullable: column.nullable,
  })),
});

/** The columns of one row group as rows arrive; full at `rowGroupSize` rows or PARQUET_ROW_GROUP_MAX_CHARS of text. */
class RowGroupBuffer {
  columns: TableValue[][] = TABLE_COLUMNS.map(() => []);
  rows = 0;
  private chars = 0;

  constructor(private readonly rowGroupSize: number) {
    if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
      throw new Error(`parquetRowGroupSize must be a positive integer, got ${rowGroupSize}`);
    }
  }

  /** Adds the row; true when the group should be written now. */
  add(row: ExportRow): boolean {
    for (let i = 0; i < TABLE_COLUMNS.length; i++) {
      const value = TABLE_COLUMNS[i].read(row);
      if (typeof value === 'string') this.chars += value.length;
      this.columns[i].push(value);
    }
    this.rows++;
    return this.rows >= this.rowGroupSize || this.chars >= PARQUET_ROW_GROUP_MAX_CHARS;
  }

  /** The buffered group, leaving the buffer empty. */
  take(): { columns: TableValue[][]; rows: number } {
    const group = { columns: this.columns, rows: this.rows };
    this.columns = TABLE_COLUMNS.map(() => []);
    this.rows = 0;
    this.chars = 0;
    return group;
  }
}

/**
 * Buffers one row group of columns, encodes it with hyparquet-writer's incremental
 * `ParquetWriter`, and passes the encoded bytes on at once, so memory holds a single row group
 * no matter how many rows stream through. The footer (row-group index) is written on end.
 */
class ParquetRowGroupTransform extends Transform implements ExportTransform {
  readonly stats: ExportStats = { rowsIn: 0, rowsWritten: 0, skippedIncomplete: 0 };
  private readonly bytes = new ByteWriter(1 << 20);
  private readonly parquet: ParquetWriter;
  private readonly group: RowGroupBuffer;

  constructor(rowGroupSize: number, codec: ParquetCodec) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 256 });
    this.group = new RowGroupBuffer(rowGroupSize);
    this.parquet = new ParquetWriter({
      writer: this.bytes,
      schema: PARQUET_SCHEMA,
      codec,
      compressors: PAGE_COMPRESSORS,
      createdBy: 'safer-instruct-studio',
    });
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.rowsIn++;
    this.stats.rowsWritten++;
    if (!this.group.add(row)) {
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
      if (this.group.rows > 0) this.writeGroup();
      void this.parquet.finish();
      this.pushEncoded();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private writeGroup(): void {
    const { columns, rows } = this.group.take();
    const columnData: ColumnSource[] = TABLE_COLUMNS.map((column, i) => ({
      name: column.name,
      data: columns[i],
      statistics: !NO_STATISTICS.has(column.name),
    }));
    // ByteWriter has no async flush, so write() finishes synchronously.
    void this.parquet.write({ columnData, rowGroupSize: rows });
    this.pushEncoded();
  }

  /** Hands on what the writer has encoded so far and rewinds its buffer; `offset` keeps counting file positions. */
  private pushEncoded(): void {
    if (this.bytes.index === 0) return;
    this.push(Buffer.from(this.bytes.getBytes()));
    this.bytes.index = 0;
  }
}

type WorkerReply = { kind: 'bytes'; data: Uint8Array } | { kind: 'error'; message: string };

/**
 * The same file as ParquetRowGroupTransform, encoded by `parquet-worker.mjs` on another thread:
 * the main thread fills the next row group (reading rows from the database) while the worker
 * encodes and compresses the previous one. At most one group is in flight, so memory holds two.
 */
class ParquetWorkerTransform extends Transform implements ExportTransform {
  readonly stats: ExportStats = { rowsIn: 0, rowsWritten: 0, skippedIncomplete: 0 };
  private readonly worker: Worker;
  private readonly replies: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private readonly group: RowGroupBuffer;

  constructor(rowGroupSize: number, codec: ParquetCodec) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 256 });
    this.group = new RowGroupBuffer(rowGroupSize);
    this.worker = new Worker(new URL('./parquet-worker.mjs', import.meta.url), {
      // The worker is plain JavaScript: inheriting a TypeScript loader (tsx) would cost ~100 MB.
      execArgv: [],
      workerData: {
        schema: PARQUET_SCHEMA,
        codec,
        columns: TABLE_COLUMNS.map((column) => ({ name: column.name, statistics: !NO_STATISTICS.has(column.name) })),
      },
    });
    this.worker.on('message', (reply: WorkerReply) => {
      const waiting = this.replies.shift();
      if (reply.kind === 'error') {
        waiting?.reject(new Error(`Parquet encoding failed: ${reply.message}`));
        return;
      }
      if (reply.data.byteLength > 0) this.push(Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength));
      waiting?.resolve();
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => {
      if (this.replies.length > 0) this.failAll(new Error(`the Parquet worker stopped (exit code ${code})`));
    });
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.replies.splice(0)) waiting.reject(error);
  }

  private request(message: { kind: 'group'; columns: TableValue[][]; rows: number } | { kind: 'finish' }): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.replies.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  /** Waits for the group in flight (backpressure), then hands the current one to the worker. */
  private async sendGroup(): Promise<void> {
    await this.inFlight;
    this.inFlight = this.request({ kind: 'group', ...this.group.take() });
    // Reported by the next send or by flush; never left unhandled meanwhile.
    this.inFlight.catch(() => undefined);
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.rowsIn++;
    this.stats.rowsWritten++;
    if (!this.group.add(row)) {
      callback();
      return;
    }
    this.sendGroup().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    const finish = async () => {
      if (this.group.rows > 0) await this.sendGroup();
      await this.inFlight;
      await this.request({ kind: 'finish' });
    };
    finish()
      .then(() => callback(), callback)
      .finally(() => void this.worker.terminate());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.worker.terminate();
    callback(error);
  }
}

export const parquetExporter: Exporter = {
  extension: 'parquet',
  contentType: 'application/vnd.apache.parquet',
  label: 'Parquet (all columns)',
  requiredSides: 'none',
  needsBothSides: false,
  features: TABLE_FEATURES,
  create: createTableParquet,
  createParquet: createTableParquet,
};

/** Every column of every row (nulls stay null) as Parquet: the Parquet format, and the CSV format's card config. */
export function createTableParquet(options?: ExporterCreateOptions): ExportTransform {
  const rowGroupSize = options?.parquetRowGroupSize ?? DEFAULT_PARQUET_ROW_GROUP_SIZE;
  const codec = options?.parquetCodec ?? DEFAULT_PARQUET_CODEC;
  return options?.parquetWorker === true ? new ParquetWorkerTransform(rowGroupSize, codec) : new ParquetRowGroupTransform(rowGroupSize, codec);
}
