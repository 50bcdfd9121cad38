import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll } from 'vitest';

import { db } from '@/lib/db/client';
import { importConfigSchema, type ImportConfigInput } from '@/lib/importers/jobs/config';
import { beginImport, createImport } from '@/lib/importers/jobs/lifecycle';
import { closePools } from '@/lib/db/pools';
import { stopBoss } from '@/lib/jobs/boss';
import { runImport, type RunOptions, type RunOutcome } from '@/lib/importers/jobs/runner';

/** A temp folder per test file, removed afterwards (with the runner's pool and pg-boss). */
export function tempFiles(): { file(name: string, content: string | Uint8Array): Promise<string> } {
  let directory: string | null = null;
  afterAll(async () => {
    // The sweep asks pg-boss whether an import's job is still alive.
    await stopBoss();
    await closePools(['imports']);
    if (directory) await rm(directory, { recursive: true, force: true });
  });
  return {
    async file(name, content) {
      directory ??= await mkdtemp(path.join(tmpdir(), 'importers-it-'));
      const file = path.join(directory, name);
      await writeFile(file, content);
      return file;
    },
  };
}

export const gzip = (content: string | Uint8Array) => gzipSync(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);

export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** createImport → beginImport → runImport, as the upload route, the mapping action and the runner do. */
export async function importFile(
  file: string,
  config: ImportConfigInput,
  options: RunOptions & { createdById?: string | null } = {},
): Promise<{ importId: string; outcome: RunOutcome; record: Awaited<ReturnType<typeof loadImport>> }> {
  const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
  const { id } = await createImport({ filePath: file, fileName: path.basename(file), fileBytes: size, ownsFile: false, createdById: options.createdById ?? null });
  const { token } = await beginImport(id, importConfigSchema.parse(config), null);
  const outcome = await runImport(id, token, options);
  return { importId: id, outcome, record: await loadImport(id) };
}

export async function loadImport(importId: string) {
  return db().import.findUniqueOrThrow({ where: { id: importId }, include: { rowErrors: { orderBy: { id: 'asc' } } } });
}

export function newCorpus(name: string, mapping: Extract<ImportConfigInput, { kind: 'corpus' }>['mapping'], extra: Partial<Extract<ImportConfigInput, { kind: 'corpus' }>> = {}): ImportConfigInput {
  return { kind: 'corpus', target: { mode: 'new', name }, mapping, ...extra };
}

export async function textsOf(corpusId: string) {
  return db().sourceText.findMany({ where: { corpusId }, orderBy: { id: 'asc' } });
}

export async function corpusNamed(name: string) {
  return db().corpus.findFirst({ where: { name } });
}
