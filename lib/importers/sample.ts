import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { db } from '@/lib/db/client';
import { UserFacingError } from '@/lib/errors';

import { importConfigSchema } from './jobs/config';
import { beginImport, createImport } from './jobs/lifecycle';
import { runImport } from './jobs/runner';

export const sampleCorpusName = 'Sample corpus';
const sampleDescription = 'About 100 mildly harmful texts written for this project (hate, self-harm, illegal, nsfw), for trying the pipeline.';

export function sampleCorpusFile(): string {
  return path.join(process.cwd(), 'lib', 'importers', 'sample-corpus', 'sample-corpus.jsonl');
}

const sampleRowSchema = z.object({ id: z.string(), topic: z.string(), text: z.string() });

/** The bundled sample texts as rows (the recipe editor's preview, "try on 5 items", benches). */
export async function readSampleCorpus(): Promise<z.infer<typeof sampleRowSchema>[]> {
  const file = sampleCorpusFile();
  const raw = await readFile(file, 'utf8');
  return raw
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const parsed = sampleRowSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}, line ${index + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

/**
 * Loads the bundled sample corpus through the ordinary import path. Idempotent: a corpus of that
 * name is reused, and concurrent calls are serialised on an advisory lock. Tests pass a name of
 * their own to get a corpus nobody else touches.
 */
export async function loadSampleCorpus(actor: AuditActor, name: string = sampleCorpusName): Promise<{ corpusId: string; created: boolean }> {
  const file = sampleCorpusFile();
  const fileBytes = (await stat(file)).size;
  const claimed = await db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('studio:sample-corpus'))::text AS locked`;
    const existing = await tx.corpus.findFirst({ where: { name }, select: { id: true } });
    if (existing) return { corpusId: existing.id, created: false };
    const corpus = await tx.corpus.create({ data: { name, description: sampleDescription, createdById: actor?.id ?? null }, select: { id: true } });
    await recordAudit({ actor, action: 'corpus.load_sample', targetType: 'Corpus', targetId: corpus.id, after: { name } }, tx);
    return { corpusId: corpus.id, created: true };
  });
  if (!claimed.created) return claimed;

  const { id } = await createImport({ filePath: file, fileName: 'sample-corpus.jsonl', fileBytes, ownsFile: false, createdById: actor?.id ?? null });
  const config = importConfigSchema.parse({
    kind: 'corpus',
    target: { mode: 'existing', corpusId: claimed.corpusId },
    mapping: { textColumn: 'text', topic: { kind: 'column', column: 'topic' }, idColumn: 'id' },
  });
  const { token } = await beginImport(id, config, actor);
  const outcome = await runImport(id, token);
  if (outcome.status !== 'COMPLETED') {
    throw new UserFacingError(`Loading the sample corpus failed: ${'error' in outcome ? outcome.error : 'the import was interrupted'}.`);
  }
  return claimed;
}
