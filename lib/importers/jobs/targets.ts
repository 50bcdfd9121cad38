import { createHash, randomBytes } from 'node:crypto';

import { normaliseForDedup } from '../dedup';
import { readPairRows, readSourceRows, type ImportRun } from '../read-rows';
import type { PairRow, ReadOptions, RowError, SourceRow } from '../types';
import type { ImportConfig, ImportTargetKind } from './config';
import { copyRows, type CopyValue } from './copy';
import { execute, NOW_UTC, queryRows, type PgClient } from '@/lib/db/sql';

/** A source text without a topic still needs one (topics group the corpus and the pipeline). */
export const defaultTopic = 'unlabelled';

export type TargetRef = { id: string; name: string };
/** Per import: set once a batch met a key its target already held (see copyOrInsert). */
export type DedupState = { lookUpStoredKeys: boolean };
export type InsertCounts = { inserted: number; duplicates: number };

/** One kind of import target (a corpus of source texts, a preference dataset), as a row of a typed table. */
export interface ImportTarget<R extends { line: number }> {
  noun: string;
  /** The table rows go to; its id sequence is drawn in file order (see the runner). */
  table: 'SourceText' | 'Pair';
  read(config: ImportConfig, filePath: string, options: ReadOptions): ImportRun<{ row: R } | { error: RowError }>;
  /** Approximate bytes a row holds in memory, to bound a batch. */
  rowBytes(row: R): number;
  createTarget(client: PgClient, config: ImportConfig, createdById: string | null): Promise<TargetRef>;
  findTarget(client: PgClient, id: string): Promise<TargetRef | null>;
  /** The key exact duplicates share, or null when the target keeps duplicates. */
  dedupKey(row: R): string | null;
  /** Inserts one batch (`ids[i]` and `keys[i]` belong to `rows[i]`); rows whose key is already stored are skipped. Returns the rows inserted. */
  insertRows(client: PgClient, importId: string, targetId: string, rows: readonly R[], ids: readonly string[], keys: readonly (string | null)[], dedup: DedupState): Promise<number>;
  /** Adds a committed batch to the target's counters (separate from the insert: see the runner's commit order). */
  addCounts(client: PgClient, targetId: string, counts: InsertCounts): Promise<void>;
  /** Removes what this import stored, adjusting the counters; returns the number of rows removed. */
  deleteImportedRows(client: PgClient, importId: string, targetId: string): Promise<number>;
  hasRows(client: PgClient, targetId: string): Promise<boolean>;
  deleteTarget(client: PgClient, targetId: string): Promise<void>;
}

/** A cuid-shaped id ("c" + 24 lowercase alphanumerics), like Prisma's default for these tables. */
export function newRowId(): string {
  const random = BigInt(`0x${randomBytes(12).toString('hex')}`).toString(36);
  return `c${Date.now().toString(36)}${random}`.slice(0, 25).padEnd(25, '0');
}

export function dedupHash(text: string): string {
  return createHash('sha256').update(normaliseForDedup(text)).digest('hex');
}

function metadataJson(metadata: Record<string, unknown>): string | null {
  for (const _key in metadata) return JSON.stringify(metadata);
  return null;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

/**
 * COPY has no ON CONFLICT. Batches are COPYed as they are (the runner keeps the keys of batches
 * in flight apart); a batch that meets a key the corpus already holds (a duplicate across
 * batches, another import into the same corpus) fails, is written again by `insert`, which skips
 * stored keys, and from then on every batch of the import looks its keys up before its COPY.
 * Looking up every batch from the start cost 19 % of the writers' time on a file without such
 * duplicates (bench:import, 100k rows).
 */
async function copyOrInsert(client: PgClient, dedup: DedupState, copy: () => Promise<number>, insert: () => Promise<number>): Promise<number> {
  await client.query('SAVEPOINT import_copy');
  try {
    const copied = await copy();
    await client.query('RELEASE SAVEPOINT import_copy');
    return copied;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT import_copy');
    dedup.lookUpStoredKeys = true;
    return insert();
  }
}

const sourceTextColumns = ['id', 'corpusId', 'text', 'topic', 'externalId', 'metadata', 'dedupHash', 'importId', 'line'] as const;

/** The rows of a batch as COPY rows, without those whose dedup key the corpus holds (when asked to look). */
async function sourceCopyRows(client: PgClient, importId: string, corpusId: string, rows: readonly SourceRow[], ids: readonly string[], keys: readonly (string | null)[], dedup: DedupState): Promise<CopyValue[][]> {
  const stored = dedup.lookUpStoredKeys
    ? new Set(
        (await queryRows<{ key: string }>(client, `SELECT "dedupHash" AS key FROM "SourceText" WHERE "corpusId" = $1 AND "dedupHash" = ANY($2::text[])`, [corpusId, keys])).map(
          (row) => row.key,
        ),
      )
    : null;
  const fresh: CopyValue[][] = [];
  for (let i = 0; i < rows.length; i++) {
    const key = keys[i] as string;
    if (stored?.has(key)) continue;
    const row = rows[i];
    fresh.push([ids[i], corpusId, row.text, row.topic ?? defaultTopic, row.externalId, metadataJson(row.metadata), key, importId, row.line]);
  }
  return fresh;
}

function configOf<K extends ImportTargetKind>(config: ImportConfig, kind: K): Extract<ImportConfig, { kind: K }> {
  if (config.kind !== kind) throw new Error(`expected a ${kind} import, got ${config.kind}`);
  return config as Extract<ImportConfig, { kind: K }>;
}

/** The INSERT path: skips keys stored meanwhile (ON CONFLICT); costs Postgres more CPU than COPY (see copy.ts). */
async function insertSourceRows(client: PgClient, importId: string, corpusId: string, rows: readonly SourceRow[], ids: readonly string[], keys: readonly (string | null)[]): Promise<number> {
  const texts: string[] = [];
  const topics: string[] = [];
  const externalIds: (string | null)[] = [];
  const metadata: (string | null)[] = [];
  const lines: number[] = [];
  for (const row of rows) {
    texts.push(row.text);
    topics.push(row.topic ?? defaultTopic);
    externalIds.push(row.externalId);
    metadata.push(metadataJson(row.metadata));
    lines.push(row.line);
  }
  return execute(
    client,
    `INSERT INTO "SourceText" (id, "corpusId", text, topic, "externalId", metadata, "dedupHash", "importId", line)
     SELECT u.id, $1, u.text, u.topic, u.external_id, u.metadata::jsonb, u.hash, $2, u.line
     FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[])
       WITH ORDINALITY AS u(id, text, topic, external_id, metadata, hash, line, position)
     ORDER BY u.position
     ON CONFLICT ("corpusId", "dedupHash") DO NOTHING`,
    [corpusId, importId, ids, texts, topics, externalIds, metadata, keys, lines],
  );
}

const corpusTarget: ImportTarget<SourceRow> = {
  noun: 'corpus',
  table: 'SourceText',
  read(config, filePath, options) {
    return readSourceRows(filePath, configOf(config, 'corpus').mapping, options);
  },
  rowBytes: (row) => row.text.length * 2 + 200,
  async createTarget(client, config, createdById) {
    const corpus = configOf(config, 'corpus');
    if (corpus.target.mode !== 'new') throw new Error('an existing corpus is not created');
    const id = newRowId();
    await execute(
      client,
      `INSERT INTO "Corpus" (id, name, description, "createdById", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, ${NOW_UTC}, ${NOW_UTC})`,
      [id, corpus.target.name, corpus.target.description, createdById],
    );
    return { id, name: corpus.target.name };
  },
  findTarget: async (client, id) => (await queryRows<TargetRef>(client, `SELECT id, name FROM "Corpus" WHERE id = $1`, [id]))[0] ?? null,
  dedupKey: (row) => dedupHash(row.text),
  async insertRows(client, importId, corpusId, rows, ids, keys, dedup) {
    if (rows.length === 0) return 0;
    return copyOrInsert(
      client,
      dedup,
      async () => copyRows(client, 'SourceText', sourceTextColumns, await sourceCopyRows(client, importId, corpusId, rows, ids, keys, dedup)),
      () => insertSourceRows(client, importId, corpusId, rows, ids, keys),
    );
  },
  async addCounts(client, corpusId, counts) {
    await execute(
      client,
      `UPDATE "Corpus" SET "itemCount" = "itemCount" + $2, "duplicateCount" = "duplicateCount" + $3, "updatedAt" = ${NOW_UTC} WHERE id = $1`,
      [corpusId, counts.inserted, counts.duplicates],
    );
  },
  async deleteImportedRows(client, importId, corpusId) {
    const deleted = await execute(client, `DELETE FROM "SourceText" WHERE "corpusId" = $1 AND "importId" = $2`, [corpusId, importId]);
    await execute(client, `UPDATE "Corpus" SET "itemCount" = GREATEST(0, "itemCount" - $2), "updatedAt" = ${NOW_UTC} WHERE id = $1`, [corpusId, deleted]);
    return deleted;
  },
  async hasRows(client, corpusId) {
    return (await queryRows(client, `SELECT 1 AS found FROM "SourceText" WHERE "corpusId" = $1 LIMIT 1`, [corpusId])).length > 0;
  },
  async deleteTarget(client, corpusId) {
    await execute(client, `DELETE FROM "Corpus" WHERE id = $1`, [corpusId]);
  },
};

const pairColumns = ['id', 'origin', 'datasetId', 'topic', 'instruction', 'promptMessages', 'chosen', 'rejected', 'externalId', 'metadata', 'status', 'updatedAt'] as const;

const datasetTarget: ImportTarget<PairRow> = {
  noun: 'preference dataset',
  table: 'Pair',
  read(config, filePath, options) {
    return readPairRows(filePath, configOf(config, 'dataset').mapping, options);
  },
  rowBytes: (row) => (row.instruction.length + (row.chosen?.length ?? 0) + (row.rejected?.length ?? 0)) * 2 + 200,
  async createTarget(client, config, createdById) {
    const dataset = configOf(config, 'dataset');
    const id = newRowId();
    await execute(
      client,
      `INSERT INTO "PreferenceDataset" (id, name, description, "createdById", "createdAt") VALUES ($1, $2, $3, $4, ${NOW_UTC})`,
      [id, dataset.target.name, dataset.target.description, createdById],
    );
    return { id, name: dataset.target.name };
  },
  findTarget: async (client, id) => (await queryRows<TargetRef>(client, `SELECT id, name FROM "PreferenceDataset" WHERE id = $1`, [id]))[0] ?? null,
  dedupKey: () => null,
  async insertRows(client, _importId, datasetId, rows, ids) {
    if (rows.length === 0) return 0;
    // `timestamp without time zone` ignores the trailing Z: the UTC time is stored, like NOW_UTC.
    const now = new Date().toISOString();
    // Imported pairs are kept as they come: review and audits decide about them like about generated ones.
    return copyRows(
      client,
      'Pair',
      pairColumns,
      rows.map((row, i) => [
        ids[i],
        'IMPORTED',
        datasetId,
        row.topic,
        row.instruction,
        row.promptMessages === null ? null : JSON.stringify(row.promptMessages),
        row.chosen,
        row.rejected,
        row.externalId,
        metadataJson(row.metadata),
        'KEPT',
        now,
      ]),
    );
  },
  async addCounts(client, datasetId, counts) {
    await execute(client, `UPDATE "PreferenceDataset" SET "pairCount" = "pairCount" + $2 WHERE id = $1`, [datasetId, counts.inserted]);
  },
  async deleteImportedRows(client, _importId, datasetId) {
    // A dataset holds the pairs of exactly one import.
    const deleted = await execute(client, `DELETE FROM "Pair" WHERE "datasetId" = $1 AND origin = 'IMPORTED'::"PairOrigin"`, [datasetId]);
    await execute(client, `UPDATE "PreferenceDataset" SET "pairCount" = GREATEST(0, "pairCount" - $2) WHERE id = $1`, [datasetId, deleted]);
    return deleted;
  },
  async hasRows(client, datasetId) {
    return (await queryRows(client, `SELECT 1 AS found FROM "Pair" WHERE "datasetId" = $1 LIMIT 1`, [datasetId])).length > 0;
  },
  async deleteTarget(client, datasetId) {
    await execute(client, `DELETE FROM "PreferenceDataset" WHERE id = $1`, [datasetId]);
  },
};

/** Generic over the row type per entry; callers dispatch on the config's kind. */
export const importTargets: { corpus: ImportTarget<SourceRow>; dataset: ImportTarget<PairRow> } = {
  corpus: corpusTarget,
  dataset: datasetTarget,
};

export const importTargetColumn: Record<ImportTargetKind, 'corpusId' | 'datasetId'> = {
  corpus: 'corpusId',
  dataset: 'datasetId',
};

