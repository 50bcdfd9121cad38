/**
 * The bundled sample corpus (lib/importers/sample-corpus: 100 mild texts over four topics) as a
 * corpus in the database, for the offline demo and tests. Created once; later calls return it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { normaliseForDedup } from '@/lib/importers/dedup';

export const SAMPLE_CORPUS_NAME = 'Sample corpus (100 texts)';

const sampleRowSchema = z.object({ id: z.string(), topic: z.string(), text: z.string() });

export async function readSampleCorpus(): Promise<z.infer<typeof sampleRowSchema>[]> {
  const file = path.join(process.cwd(), 'lib/importers/sample-corpus/sample-corpus.jsonl');
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

export async function ensureSampleCorpus(actor: AuditActor, name = SAMPLE_CORPUS_NAME): Promise<{ corpusId: string; created: boolean }> {
  const existing = await db().corpus.findFirst({ where: { name }, select: { id: true } });
  if (existing) return { corpusId: existing.id, created: false };
  const rows = await readSampleCorpus();
  const corpusId = await db().$transaction(async (tx) => {
    const corpus = await tx.corpus.create({
      data: { name, description: 'Bundled with the app: 100 mild texts written for this project (hate, self-harm, illegal, nsfw).', itemCount: rows.length, createdById: actor?.id ?? null },
    });
    await tx.sourceText.createMany({
      data: rows.map((row, index) => ({
        corpusId: corpus.id,
        text: row.text,
        topic: row.topic,
        externalId: row.id,
        dedupHash: createHash('sha256').update(normaliseForDedup(row.text)).digest('hex'),
        line: index + 1,
      })),
      skipDuplicates: true,
    });
    await recordAudit({ actor, action: 'corpus.create_sample', targetType: 'Corpus', targetId: corpus.id, after: { name, items: rows.length } }, tx);
    return corpus.id;
  });
  return { corpusId, created: true };
}

/** An item to preview prompts with: what each stage may be given. */
export interface SampleInputs {
  text: string;
  topic: string;
  instruction: string;
  chosen: string;
}

/** The recipe editor's default sample item: the first text of the bundled sample corpus. */
export async function editorSample(): Promise<SampleInputs> {
  const [first] = await readSampleCorpus();
  return {
    text: first?.text ?? 'Example text.',
    topic: first?.topic ?? 'hate',
    instruction: 'Write a short, annoyed comment about tourists who visit my city.',
    chosen: "I'd rather not lump all visitors together. Crowds can be frustrating; if it helps, I can suggest quieter times and places to enjoy the city instead.",
  };
}
