/**
 * Which source texts a run works on: some corpora, optionally only some topics, then all of them,
 * the first N (import order) or a seeded random sample of N (the hash-rank sample of lib/sampling,
 * shared with audits, so the same seed always picks the same texts).
 */
import { z } from 'zod';
import { sqlSampleRankExpression } from '@/lib/sampling/hash-rank';

export const selectionLimitSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({
    kind: z.literal('sample'),
    size: z.number({ error: 'Sample size must be a number' }).int().min(1, 'Sample size must be at least 1').max(10_000_000),
    seed: z.string().trim().min(1, 'Give the sample a seed').max(100),
  }),
  z.object({ kind: z.literal('first'), count: z.number({ error: 'N must be a number' }).int().min(1, 'N must be at least 1').max(10_000_000) }),
]);

export const runSelectionSchema = z.object({
  corpusIds: z.array(z.string().min(1)).min(1, 'Choose at least one corpus'),
  /** Empty: every topic. */
  topics: z.array(z.string().trim().min(1)).default([]),
  limit: selectionLimitSchema.default({ kind: 'all' }),
});
export type RunSelection = z.infer<typeof runSelectionSchema>;
export type RunSelectionInput = z.input<typeof runSelectionSchema>;

/** What a run stores in Run.selection: the selection plus how its items are cut into jobs. */
export const storedSelectionSchema = runSelectionSchema.extend({ chunkSize: z.number().int().min(1).max(1000) });
export type StoredSelection = z.infer<typeof storedSelectionSchema>;

export interface SqlFragment {
  text: string;
  values: unknown[];
}

/**
 * SQL selecting the chosen source texts as (id, ord), ord giving the order their run items are
 * created in. Parameters are numbered from `$firstParam` so the fragment can sit inside a larger
 * statement (the sample rank expression needs a positional seed parameter).
 */
export function selectedSourceTextsSql(selection: RunSelection, firstParam: number): SqlFragment {
  const values: unknown[] = [selection.corpusIds];
  const param = (value: unknown) => {
    values.push(value);
    return `$${firstParam + values.length - 1}`;
  };
  const corpora = `$${firstParam}::text[]`;
  const topicFilter = selection.topics.length > 0 ? `AND topic = ANY(${param(selection.topics)}::text[])` : '';
  const from = `FROM "SourceText" WHERE "corpusId" = ANY(${corpora}) ${topicFilter}`;
  const byLimit: { [K in RunSelection['limit']['kind']]: (limit: Extract<RunSelection['limit'], { kind: K }>) => string } = {
    all: () => `SELECT id, row_number() OVER (ORDER BY id) AS ord ${from}`,
    first: (limit) => `SELECT id, row_number() OVER (ORDER BY id) AS ord ${from} ORDER BY id LIMIT ${param(limit.count)}::int`,
    sample: (limit) => {
      const rank = sqlSampleRankExpression(param(limit.seed), 'id');
      return `SELECT id, row_number() OVER (ORDER BY ${rank}, id) AS ord ${from} ORDER BY ord LIMIT ${param(limit.size)}::int`;
    },
  };
  const limit = selection.limit;
  const text = (byLimit[limit.kind] as (value: typeof limit) => string)(limit);
  return { text, values };
}
