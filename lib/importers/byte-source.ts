import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { ImportFileError } from './errors';
import { formatBytes } from './format-bytes';
import type { ImportInput, ImportLimits } from './types';

/** Large reads: fewer async hops per MB on the hot path. */
export const readChunkBytes = 1024 * 1024;

export function inputFileName(input: ImportInput): string | null {
  return typeof input === 'string' ? input : (input.fileName ?? null);
}

function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Raw bytes of the input, counted as they flow; more than `maxBytes` stops with TOO_LARGE. */
export async function* readRawBytes(
  input: ImportInput,
  maxBytes: number,
  onBytes: (byteCount: number) => void,
): AsyncGenerator<Buffer> {
  const source: AsyncIterable<Uint8Array | string> =
    typeof input === 'string' ? createReadStream(input, { highWaterMark: readChunkBytes }) : input.stream;
  let total = 0;
  for await (const chunk of source) {
    const buffer = asBuffer(chunk);
    total += buffer.length;
    if (total > maxBytes) throw tooLargeError(maxBytes);
    onBytes(buffer.length);
    yield buffer;
  }
}

export function tooLargeError(maxBytes: number): ImportFileError {
  return new ImportFileError(
    'TOO_LARGE',
    `The file is larger than the limit of ${formatBytes(maxBytes)}; split it into smaller files.`,
  );
}

export { formatBytes } from './format-bytes';

export interface PeekedBytes {
  /** The first bytes (at least `minBytes` unless the input is shorter). */
  head: Buffer;
  /** True when `head` is the whole input. */
  complete: boolean;
  /** All bytes again from the start, `skip` bytes dropped (e.g. a BOM). Iterate at most once. */
  chunks(skip?: number): AsyncGenerator<Buffer>;
  /** Releases the underlying stream when `chunks` is never (fully) iterated. */
  release(): Promise<void>;
}

/** Reads ahead enough bytes to sniff the format, without losing them for the real parse. */
export async function peekBytes(source: AsyncIterable<Buffer>, minBytes: number): Promise<PeekedBytes> {
  const iterator = source[Symbol.asyncIterator]();
  const pulled: Buffer[] = [];
  let size = 0;
  let complete = false;
  try {
    while (size < minBytes) {
      const next = await iterator.next();
      if (next.done) {
        complete = true;
        break;
      }
      pulled.push(next.value);
      size += next.value.length;
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  const head = pulled.length === 1 ? pulled[0] : Buffer.concat(pulled, size);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await iterator.return?.();
  };
  async function* chunks(skip = 0): AsyncGenerator<Buffer> {
    try {
      if (head.length > skip) yield skip === 0 ? head : head.subarray(skip);
      if (complete) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await release();
    }
  }
  return { head, complete, chunks, release };
}

/**
 * Gunzip with two guards against decompression bombs: an absolute output limit and an expansion
 * ratio checked once some megabytes came out (tiny inputs legitimately have odd ratios).
 */
export async function* gunzipWithLimits(
  compressed: AsyncIterable<Buffer>,
  limits: Pick<ImportLimits, 'maxDecompressedBytes' | 'maxExpansionRatio' | 'expansionCheckAfterBytes'>,
): AsyncGenerator<Buffer> {
  let compressedBytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of compressed) {
      compressedBytes += chunk.length;
      yield chunk;
    }
  }
  const input = Readable.from(counted());
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // Errors reach us through the iteration of `gunzip`; this only keeps the promise handled.
  const piping = pipeline(input, gunzip).catch(() => undefined);
  let decompressedBytes = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      decompressedBytes += chunk.length;
      if (decompressedBytes > limits.maxDecompressedBytes) {
        throw new ImportFileError(
          'DECOMPRESSION_BOMB',
          `The gzip file expands to more than ${formatBytes(limits.maxDecompressedBytes)}; it is refused as a decompression bomb. Split it or upload it uncompressed.`,
        );
      }
      if (
        decompressedBytes >= limits.expansionCheckAfterBytes &&
        decompressedBytes > compressedBytes * limits.maxExpansionRatio
      ) {
        throw new ImportFileError(
          'DECOMPRESSION_BOMB',
          `The gzip file expands more than ${limits.maxExpansionRatio}:1 (${formatBytes(compressedBytes)} became ${formatBytes(decompressedBytes)} so far); it is refused as a decompression bomb.`,
        );
      }
      yield chunk;
    }
  } catch (error) {
    throw gzipErrorToImportError(error);
  } finally {
    gunzip.destroy();
    input.destroy();
    await piping;
  }
}

function gzipErrorToImportError(error: unknown): unknown {
  if (error instanceof ImportFileError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR') {
    return new ImportFileError('TRUNCATED', 'The gzip file ends unexpectedly (truncated upload?); upload it again.', {
      cause: error,
    });
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ImportFileError('CORRUPT', `The gzip data is corrupt (${(error as Error).message}).`, { cause: error });
  }
  return error;
}
