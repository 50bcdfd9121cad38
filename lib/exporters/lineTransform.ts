import { Transform, type TransformCallback } from 'node:stream';

import type { ExportRow, ExportStats, ExportTransform } from './types';

/**
 * Lines are written into one Buffer of this size and handed on when it is full: one push per
 * 256 KiB instead of one tiny Buffer per row, and each line is encoded straight into place (a
 * growing string had to be flattened and encoded again at every flush).
 */
const CHUNK_BYTES = 1 << 18;
const NEWLINE = 0x0a;

/** Returns the encoded line (with its terminator), or null when the row lacks a side the format needs. */
export type LineEncoder = (row: ExportRow) => string | null;

class LineBatchTransform extends Transform implements ExportTransform {
  readonly stats: ExportStats = { rowsIn: 0, rowsWritten: 0, skippedIncomplete: 0 };
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  constructor(
    private readonly encode: LineEncoder,
    header: string,
    /** The `Exporter.sqlLine` whose bytes a row read through COPY carries, if any. */
    private readonly lineSql: string | null,
  ) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 256 });
    if (header !== '') this.writeText(header);
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.stats.rowsIn++;
    const lines = this.lineSql === null ? undefined : row.encoded?.lines;
    if (lines !== undefined && lines.has(this.lineSql as string)) {
      const line = lines.get(this.lineSql as string) ?? null;
      if (line === null) {
        this.stats.skippedIncomplete++;
      } else {
        this.stats.rowsWritten++;
        this.writeBytes(line);
      }
      callback();
      return;
    }
    let line: string | null;
    try {
      line = this.encode(row);
    } catch (error) {
      callback(new Error(`row ${describeRowId(row)}: ${(error as Error).message}`));
      return;
    }
    if (line === null) {
      this.stats.skippedIncomplete++;
    } else {
      this.stats.rowsWritten++;
      this.writeText(line);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.pushChunk();
    callback();
  }

  /** A line Postgres built, plus its newline. */
  private writeBytes(line: Uint8Array): void {
    if (this.used + line.length + 1 > CHUNK_BYTES) {
      this.pushChunk();
      if (line.length + 1 > CHUNK_BYTES) {
        this.push(Buffer.concat([line, Buffer.of(NEWLINE)]));
        return;
      }
    }
    this.chunk.set(line, this.used);
    this.chunk[this.used + line.length] = NEWLINE;
    this.used += line.length + 1;
  }

  private writeText(text: string): void {
    // At most 3 UTF-8 bytes per UTF-16 unit; a text that may not fit goes to a fresh chunk.
    if (this.used + text.length * 3 > CHUNK_BYTES) {
      this.pushChunk();
      if (text.length * 3 > CHUNK_BYTES) {
        this.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.chunk.write(text, this.used, 'utf8');
  }

  /** Hands on what is written so far; the next lines go to a new Buffer, since the stream keeps this one. */
  private pushChunk(): void {
    if (this.used === 0) return;
    this.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }
}

function describeRowId(row: unknown): string {
  const id = typeof row === 'object' && row !== null ? (row as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? JSON.stringify(id) : '(no id)';
}

/**
 * A Transform that turns rows into text lines, written in large batches; `header` goes first even
 * with no rows. With `lineSql`, rows that carry that line as bytes (read through COPY) are copied
 * as they are.
 */
export function createLineTransform(encode: LineEncoder, header = '', lineSql: string | null = null): ExportTransform {
  return new LineBatchTransform(encode, header, lineSql);
}
