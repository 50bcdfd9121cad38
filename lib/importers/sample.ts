import { stat } from 'node:fs/promises';
import path from 'node:path';

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

/**
 * Loads the bundled sample corpus through the ordinary import path. Idempotent: a corpus named
 * "Sample corpus" is reused, and concurrent calls are serialised on an advisory lock.
 */
export async function loadSampleCorpus(actor: AuditActor): Promise<{ corpusId: string; created: boolean }> {
  const file = sampleCorpusFile();
  const fileBytes = (await stat(file)).size;
  const claimed = await db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('studio:sample-corpus'))::text AS locked`;
    const existing = await tx.corpus.findFirst({ where: { name: sampleCorpusName }, select: { id: true } });
    if (existing) return { corpusId: existing.id, created: false };
    const corpus = await tx.corpus.create({ data: { name: sampleCorpusName, description: sampleDescription, createdById: actor?.id ?? null }, select: { id: true } });
    await recordAudit({ actor, action: 'corpus.load_sample', targetType: 'Corpus', targetId: corpus.id, after: { name: sampleCorpusName } }, tx);
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
