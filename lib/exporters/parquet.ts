import { existsSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource, type SchemaElement } from 'hyparquet-writer';

import { TABLE_COLUMNS, TABLE_FEATURES, type TableValue } from './columns';
import { DEFAULT_PARQUET_CODEC, DEFAULT_PARQUET_ROW_GROUP_SIZE, PAGE_COMPRESSORS, PARQUET_ROW_GROUP_MAX_CHARS } from './parquet-codecs';
import type { Exporter, ExporterCreateOptions, ExportRow, ExportStats, ExportTransform, ParquetCodec } from './types';

export { DEFAULT_PARQUET_CODEC, DEFAULT_PARQUET_ROW_GROUP_SIZE, PARQUET_ROW_GROUP_MAX_CHARS };

/** Min/max of free text is useless for pruning and costs a full string comparison per value. */
const NO_STATISTICS = new Set(['instruction', 'chosen', 'rejected', 'instruction_reason', 'response_reason']);
/**
 * Free text is written PLAIN: a dictionary of unique texts never pays, and deciding so hashed
 * 1,000 sampled values per column and row group, a third of the text (~10% of the Parquet CPU).
 */
const PLAIN_TEXT = new Set(['instruction', 'chosen', 'rejected']);

const PARQUET_SCHEMA = schemaFromColumnData({
  columnData: TABLE_COLUMNS.map((column) => ({
    name: column.name,
    data: [],
    type: column.kind === 'bool' ? 'BOOLEAN' : 'STRING',
    nullable: column.nullable,
  })),
});

/** A value as hyparquet-writer takes it: the long texts may come as their UTF-8 bytes (rows read through COPY). */
export type ParquetValue = TableValue | Uint8Array | ParquetValue[] | { [key: string]: ParquetValue };

/** The row's value per table column (the long texts as bytes when the row has them) and their text length. */
function tableValues(row: ExportRow): { values: ParquetValue[]; chars: number } {
  const encoded = row.encoded;
  let chars = 0;
  const values = TABLE_COLUMNS.map((column) => {
    const value = encoded?.text && column.bytes ? column.bytes(encoded.text) : column.read(row);
    if (typeof value === 'string' || value instanceof Uint8Array) chars += value.length;
    return value;
  });
  return { values, chars };
}

/** The columns of one row group as rows arrive; full at `rowGroupSize` rows or PARQUET_ROW_GROUP_MAX_CHARS of text. */
class RowGroupBuffer {
  columns: ParquetValue[][] = TABLE_COLUMNS.map(() => []);
  rows = 0;
  private chars = 0;

  constructor(private readonly rowGroupSize: number) {
    if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
      throw new Error(`parquetRowGroupSize must be a positive integer, got ${rowGroupSize}`);
    }
  }

  /** Adds the row; true when the group should be written now. */
  add(row: ExportRow): boolean {
    const { values, chars } = tableValues(row);
    for (let i = 0; i < values.length; i++) this.columns[i].push(values[i]);
    this.chars += chars;
    this.rows++;
    return this.rows >= this.rowGroupSize || this.chars >= PARQUET_ROW_GROUP_MAX_CHARS;
  }

  /** The buffered group, leaving the buffer empty. */
  take(): { columns: ParquetValue[][]; rows: number } {
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
      ...(PLAIN_TEXT.has(column.name) ? { encoding: 'PLAIN' as const } : {}),
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

/** A column whose values are byte strings, as one buffer and a length per value (-1 for null): one transfer instead of a clone per value. */
export type PackedColumn = { packed: true; data: Uint8Array; lengths: Int32Array };

/**
 * Byte-string columns packed for the worker: a structured clone of a view copies its whole
 * underlying buffer (a network chunk), so views are copied into one buffer and transferred.
 */
function packColumns(columns: ParquetValue[][]): { columns: (ParquetValue[] | PackedColumn)[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const packed = columns.map((values) => {
    if (!values.some((value) => value instanceof Uint8Array)) return values;
    const parts = values.map((value) => (value === null || value instanceof Uint8Array ? value : Buffer.from(String(value), 'utf8')));
    const lengths = new Int32Array(parts.length);
    let total = 0;
    parts.forEach((part, i) => {
      lengths[i] = part === null ? -1 : part.length;
      total += part === null ? 0 : part.length;
    });
    const data = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      if (part === null) continue;
      data.set(part, at);
      at += part.length;
    }
    transfer.push(data.buffer, lengths.buffer);
    return { packed: true as const, data, lengths };
  });
  return { columns: packed, transfer };
}

const PARQUET_WORKER_URL = new URL('./parquet-worker.mjs', import.meta.url);
const SNAPPY_URL = new URL('./snappy.mjs', import.meta.url);

/**
 * Whether the worker's files are where this module expects them. They are when the code runs from
 * its sources (tsx: `npm run worker`, which runs the export jobs, the tests, the bench). Under
 * `next build` Turbopack turns these URLs into asset paths (not `file:` URLs), so exports run by
 * the app server itself (small ones, the in-app worker) encode in-thread: the same file, written
 * as before the worker existed.
 */
export function parquetWorkerAvailable(): boolean {
  if (PARQUET_WORKER_URL.protocol !== 'file:' || SNAPPY_URL.protocol !== 'file:') return false;
  return existsSync(fileURLToPath(PARQUET_WORKER_URL)) && existsSync(fileURLToPath(SNAPPY_URL));
}

/** What a worker-encoded Parquet file needs: its schema, its columns, and how a row fills them. */
export type ParquetWorkerSpec = {
  schema: SchemaElement[];
  columns: { name: string; statistics: boolean; plain?: boolean }[];
  rowGroupSize: number;
  codec: ParquetCodec;
  /** The row's value per column and its text length, or null to skip the row (counted as incomplete). */
  toValues: (row: ExportRow) => { values: ParquetValue[]; chars: number } | null;
};

/**
 * A Parquet file encoded by `parquet-worker.mjs` on another thread: the main thread fills the
 * next row group (reading rows from the database, writing the other files) while the worker
 * encodes and compresses the previous one. At most one group is in flight, so memory holds two.
 */
export class ParquetWorkerTransform extends Transform implements ExportTransform {
  readonly stats: ExportStats = { rowsIn: 0, rowsWritten: 0, skippedIncomplete: 0 };
  private readonly worker: Worker;
  private readonly replies: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private columns: ParquetValue[][];
  private rows = 0;
  private chars = 0;

  constructor(private readonly spec: ParquetWorkerSpec) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 256 });
    if (!Number.isInteger(spec.rowGroupSize) || spec.rowGroupSize < 1) {
      throw new Error(`parquetRowGroupSize must be a positive integer, got ${spec.rowGroupSize}`);
    }
    this.columns = spec.columns.map(() => []);
    this.worker = new Worker(PARQUET_WORKER_URL, {
      // The worker is plain JavaScript: inheriting a TypeScript loader (tsx) would cost ~100 MB.
      execArgv: [],
      // A small heap: the worker's garbage is a row group's pages (the texts themselves are
      // transferred buffers, outside the heap), and V8's defaults (16 MB semi-spaces, an old
      // generation grown freely) kept tens of MB more resident for the same work.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 },
      workerData: { schema: spec.schema, codec: spec.codec, columns: spec.columns, snappyUrl: SNAPPY_URL.href },
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

  private request(message: { kind: 'group'; columns: (ParquetValue[] | PackedColumn)[]; rows: number } | { kind: 'finish' }, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.replies.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  /** Waits for the group in flight (backpressure), then hands the current one to the worker. */
  private async sendGroup(): Promise<void> {
    await this.inFlight;
    const { columns, transfer } = packColumns(this.columns);
    const rows = this.rows;
    this.columns = this.spec.columns.map(() => []);
    this.rows = 0;
    this.chars = 0;
    this.inFlight = this.request({ kind: 'group', columns, rows }, transfer);
    // Reported by the next send or by flush; never left unhandled meanwhile.
    this.inFlight.catch(() => undefined);
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.rowsIn++;
    let filled: ReturnType<ParquetWorkerSpec['toValues']>;
    try {
      filled = this.spec.toValues(row);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (filled === null) {
      this.stats.skippedIncomplete++;
      callback();
      return;
    }
    this.stats.rowsWritten++;
    filled.values.forEach((value, i) => this.columns[i].push(value));
    this.rows++;
    this.chars += filled.chars;
    if (this.rows < this.spec.rowGroupSize && this.chars < PARQUET_ROW_GROUP_MAX_CHARS) {
      callback();
      return;
    }
    this.sendGroup().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    const finish = async () => {
      if (this.rows > 0) await this.sendGroup();
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

/** The table's columns for the worker, filled as RowGroupBuffer fills them. */
function tableWorkerSpec(rowGroupSize: number, codec: ParquetCodec): ParquetWorkerSpec {
  return {
    schema: PARQUET_SCHEMA,
    columns: TABLE_COLUMNS.map((column) => ({ name: column.name, statistics: !NO_STATISTICS.has(column.name), plain: PLAIN_TEXT.has(column.name) })),
    rowGroupSize,
    codec,
    toValues: tableValues,
  };
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
  return options?.parquetWorker === true && parquetWorkerAvailable() ? new ParquetWorkerTransform(tableWorkerSpec(rowGroupSize, codec)) : new ParquetRowGroupTransform(rowGroupSize, codec);
}
