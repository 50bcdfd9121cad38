import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { ZipFile } from 'yazl';

import { HashingPassThrough } from './hashing';

export type BundleEntry = { name: string; path: string } | { name: string; stream: Readable };

export type BundleOptions = {
  /** Timestamp stored for every entry; a fixed one makes the zip byte-identical across runs. */
  mtime?: Date;
  /** Deflate level 0–9 for entries that are not already compressed; 0 stores them. */
  compressionLevel?: number;
};

export type BundledFile = { name: string; bytes: number; sha256: string };
export type BundleResult = { entries: BundledFile[]; bytes: number; sha256: string };

/** Parquet pages are already compressed; deflating them again costs time and gains nothing. */
const STORED_EXTENSIONS = ['.parquet', '.zip', '.gz'];

const DEFAULT_COMPRESSION_LEVEL = 6;

function compressionFor(name: string, level: number): number {
  return STORED_EXTENSIONS.some((extension) => name.endsWith(extension)) ? 0 : level;
}

function assertEntryNames(files: readonly BundleEntry[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (file.name === '' || file.name.startsWith('/') || file.name.split('/').includes('..') || file.name.includes('\\')) {
      throw new Error(`bundle entry name ${JSON.stringify(file.name)} must be a relative path with "/" separators and no ".."`);
    }
    if (seen.has(file.name)) throw new Error(`bundle entry name ${JSON.stringify(file.name)} appears twice`);
    seen.add(file.name);
  }
}

/**
 * Streams a .zip of `files` into `output`, in order, hashing each entry's uncompressed bytes and
 * the zip itself on the way through. Entries are opened lazily, one at a time.
 */
export async function writeBundle(
  output: Writable,
  files: readonly BundleEntry[],
  options: BundleOptions = {},
): Promise<BundleResult> {
  assertEntryNames(files);
  const level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new Error(`compressionLevel must be an integer from 0 to 9, got ${level}`);
  }
  const mtime = options.mtime ?? new Date();
  const zip = new ZipFile();
  const zipHash = new HashingPassThrough();
  const entryHashes: HashingPassThrough[] = [];
  const entryPipelines: Promise<void>[] = [];
  let entryError: Error | null = null;

  for (const file of files) {
    const hashing = new HashingPassThrough();
    entryHashes.push(hashing);
    zip.addReadStreamLazy(file.name, { mtime, compressionLevel: compressionFor(file.name, level) }, (callback) => {
      const source = 'path' in file ? createReadStream(file.path) : file.stream;
      const piped = pipeline(source, hashing).catch((error: Error) => {
        // yazl would wait forever for an entry that never ends; fail the whole zip instead.
        entryError ??= new Error(`bundle entry ${file.name}: ${error.message}`);
        (zip.outputStream as Readable).destroy(entryError);
      });
      entryPipelines.push(piped);
      callback(null, hashing);
    });
  }
  zip.end();
  try {
    await pipeline(zip.outputStream, zipHash, output);
  } catch (error) {
    throw entryError ?? error;
  }
  await Promise.all(entryPipelines);
  if (entryError) throw entryError;

  return {
    entries: files.map((file, index) => ({
      name: file.name,
      bytes: entryHashes[index].bytes,
      sha256: entryHashes[index].sha256(),
    })),
    bytes: zipHash.bytes,
    sha256: zipHash.sha256(),
  };
}
