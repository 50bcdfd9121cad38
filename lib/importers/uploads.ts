import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { dataDir, ensurePrivateDir, PRIVATE_FILE_MODE } from '@/lib/runtime/data-dir';

import { formatBytes } from './byte-source';
import { defaultImportLimits } from './types';

/** The same limit as the parser's: one number for "too large" everywhere. */
export const maxUploadBytes = defaultImportLimits.maxBytes;

export class UploadTooLargeError extends Error {
  constructor(readonly limit: number, readonly size: number | null) {
    super(
      size === null
        ? `The file is larger than the limit of ${formatBytes(limit)}; split it into smaller files, or import it on the server with \`npm run import\`.`
        : `The file is ${formatBytes(size)}; the limit is ${formatBytes(limit)}. Split it into smaller files, or import it on the server with \`npm run import\`.`,
    );
    this.name = 'UploadTooLargeError';
  }
}

export function uploadsDir(): string {
  return path.join(dataDir(), 'uploads');
}

/** A display name only (the stored file gets a random name): no folders, no control characters, bounded. */
export function cleanFileName(name: string | null | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return cleaned || 'upload';
}

function byteLimit(maxBytes: number, onBytes: (count: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > maxBytes) {
        callback(new UploadTooLargeError(maxBytes, null));
        return;
      }
      onBytes(total);
      callback(null, chunk);
    },
  });
}

/**
 * Streams a request body to `DATA_DIR/uploads/<random>` (folder 0700, file 0600) without holding it in memory, stopping
 * (and removing the partial file) as soon as it passes `maxBytes`.
 */
export async function saveUpload(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: { maxBytes?: number } = {},
): Promise<{ filePath: string; bytes: number }> {
  const maxBytes = options.maxBytes ?? maxUploadBytes;
  const directory = uploadsDir();
  // Uploads are the users' (often harmful) texts: readable by the app's user only.
  ensurePrivateDir(directory);
  const filePath = path.join(directory, randomUUID());
  const partial = `${filePath}.part`;
  let bytes = 0;
  const source = body instanceof ReadableStream ? Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from(body);
  try {
    await pipeline(
      source,
      byteLimit(maxBytes, (total) => {
        bytes = total;
      }),
      createWriteStream(partial, { mode: PRIVATE_FILE_MODE }),
    );
    await rename(partial, filePath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { filePath, bytes };
}
