import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll } from 'vitest';

import type { ImportInput } from '@/lib/importers';

/** A temp dir per test file, removed afterwards. */
export function tempDirForThisFile(): { file(name: string, content: string | Uint8Array): Promise<string>; dir(): string } {
  let directory: string | null = null;
  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });
  return {
    async file(name, content) {
      directory ??= await mkdtemp(join(tmpdir(), 'importers-test-'));
      const path = join(directory, name);
      await writeFile(path, content);
      return path;
    },
    dir() {
      if (!directory) throw new Error('no file written yet');
      return directory;
    },
  };
}

export function gzip(content: string | Uint8Array): Buffer {
  return gzipSync(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
}

/**
 * Stream input cut into `chunkSize`-byte pieces, to hit every block/chunk boundary case. The first
 * `wholeHeadBytes` come in one piece (the importer reads 64 KB ahead for sniffing anyway).
 */
export function chunkedStream(content: string | Uint8Array, chunkSize: number, fileName?: string, wholeHeadBytes = 0): ImportInput {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (wholeHeadBytes > 0) yield bytes.subarray(0, wholeHeadBytes);
    for (let start = wholeHeadBytes; start < bytes.length; start += chunkSize) yield bytes.subarray(start, start + chunkSize);
  }
  return { stream: chunks(), fileName };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & { code?: string; line?: number; column?: string }> {
  try {
    await fn();
  } catch (error) {
    return error as Error & { code?: string; line?: number; column?: string };
  }
  throw new Error('expected an error, but none was thrown');
}
