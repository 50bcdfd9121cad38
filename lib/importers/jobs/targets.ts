import { createHash } from 'node:crypto';

import type { Prisma } from '@/lib/db/client';

import { normaliseForDedup } from '../dedup';
import { readPairRows, readSourceRows, type ImportRun } from '../read-rows';
import type { PairRow, ReadOptions, RowError, SourceRow } from '../types';
import type { ImportConfig, ImportTargetKind } from './config';
import { execute, type PgClient } from './pg';

/** A source text without a topic still needs one (topics group the corpus and the pipeline). */
export const defaultTopic = 'unlabelled';

/** The Prisma client or a transaction, for the rare steps (create, find, roll back). */
export type SqlClient = Prisma.TransactionClient;

export type TargetRef = { id: string; name: string };
export type InsertCounts = { inserted: number; duplicates: number };

/** One kind of import target (a corpus of source texts, a preference dataset), as a row of a typed table. */
export interface ImportTarget<R extends { line: number }> {
  noun: string;
  /** The table rows go to; its id sequence is drawn in file order (see the runner). */
  table: 'SourceText' | 'Pair';
  read(config: ImportConfig, filePath: string, options: ReadOptions): ImportRun<{ row: R } | { error: RowError }>;
  /** Approximate bytes a row holds in memory, to bound a batch. */
  rowBytes(row: R): number;
  createTarget(client: SqlClient, config: ImportConfig, createdById: string | null): Promise<TargetRef>;
  findTarget(client: SqlClient, id: string): Promise<TargetRef | null>;
  /** The key exact duplicates share, or null when the target keeps duplicates. */
  dedupKey(row: R): string | null;
  /** Inserts one batch (`ids[i]` and `keys[i]` belong to `rows[i]`); rows whose key is already stored are skipped. Returns the rows inserted. */
  insertRows(client: PgClient, importId: string, targetId: string, rows: readonly R[], ids: readonly string[], keys: readonly (string | null)[]): Promise<number>;
  /** Adds a committed batch to the target's counters (separate from the insert: see the runner's commit order). */
  addCounts(client: PgClient, targetId: string, counts: InsertCounts): Promise<void>;
  /** Removes what this import stored, adjusting the counters; returns the number of rows removed. */
  deleteImportedRows(client: SqlClient, importId: string, targetId: string): Promise<number>;
  hasRows(client: SqlClient, targetId: string): Promise<boolean>;
  deleteTarget(client: SqlClient, targetId: string): Promise<void>;
}

const utcNow = `(now() AT TIME ZONE 'UTC')`;

export function dedupHash(text: string): string {
  return createHash('sha256').update(normaliseForDedup(text)).digest('hex');
}

function metadataJson(metadata: Record<string, unknown>): string | null {
  for (const _key in metadata) return JSON.stringify(metadata);
  return null;
}

function configOf<K extends ImportTargetKind>(config: ImportConfig, kind: K): Extract<ImportConfig, { kind: K }> {
  if (config.kind !== kind) throw new Error(`expected a ${kind} import, got ${config.kind}`);
  return config as Extract<ImportConfig, { kind: K }>;
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
    return client.corpus.create({
      data: { name: corpus.target.name, description: corpus.target.description, createdById },
      select: { id: true, name: true },
    });
  },
  findTarget: (client, id) => client.corpus.findUnique({ where: { id }, select: { id: true, name: true } }),
  dedupKey: (row) => dedupHash(row.text),
  async insertRows(client, importId, corpusId, rows, ids, keys) {
    if (rows.length === 0) return 0;
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
  },
  async addCounts(client, corpusId, counts) {
    await execute(
      client,
      `UPDATE "Corpus" SET "itemCount" = "itemCount" + $2, "duplicateCount" = "duplicateCount" + $3, "updatedAt" = ${utcNow} WHERE id = $1`,
      [corpusId, counts.inserted, counts.duplicates],
    );
  },
  async deleteImportedRows(client, importId, corpusId) {
    const deleted = await client.$executeRawUnsafe(`DELETE FROM "SourceText" WHERE "corpusId" = $1 AND "importId" = $2`, corpusId, importId);
    await client.$executeRawUnsafe(
      `UPDATE "Corpus" SET "itemCount" = GREATEST(0, "itemCount" - $2), "updatedAt" = ${utcNow} WHERE id = $1`,
      corpusId,
      deleted,
    );
    return deleted;
  },
  async hasRows(client, corpusId) {
    return (await client.sourceText.findFirst({ where: { corpusId }, select: { id: true } })) !== null;
  },
  async deleteTarget(client, corpusId) {
    await client.corpus.deleteMany({ where: { id: corpusId } });
  },
};

const datasetTarget: ImportTarget<PairRow> = {
  noun: 'preference dataset',
  table: 'Pair',
  read(config, filePath, options) {
    return readPairRows(filePath, configOf(config, 'dataset').mapping, options);
  },
  rowBytes: (row) => (row.instruction.length + (row.chosen?.length ?? 0) + (row.rejected?.length ?? 0)) * 2 + 200,
  async createTarget(client, config, createdById) {
    const dataset = configOf(config, 'dataset');
    return client.preferenceDataset.create({
      data: { name: dataset.target.name, description: dataset.target.description, createdById },
      select: { id: true, name: true },
    });
  },
  findTarget: (client, id) => client.preferenceDataset.findUnique({ where: { id }, select: { id: true, name: true } }),
  dedupKey: () => null,
  async insertRows(client, _importId, datasetId, rows, ids) {
    if (rows.length === 0) return 0;
    const columns = {
      topic: [] as (string | null)[],
      instruction: [] as string[],
      chosen: [] as (string | null)[],
      rejected: [] as (string | null)[],
      externalId: [] as (string | null)[],
      metadata: [] as (string | null)[],
    };
    for (const row of rows) {
      columns.topic.push(row.topic);
      columns.instruction.push(row.instruction);
      columns.chosen.push(row.chosen);
      columns.rejected.push(row.rejected);
      columns.externalId.push(row.externalId);
      columns.metadata.push(metadataJson(row.metadata));
    }
    // Imported pairs are kept as they come: review and audits decide about them like about generated ones.
    return execute(
      client,
      `INSERT INTO "Pair" (id, origin, "datasetId", topic, instruction, chosen, rejected, "externalId", metadata, status, "updatedAt")
       SELECT u.id, 'IMPORTED'::"PairOrigin", $1, u.topic, u.instruction, u.chosen, u.rejected, u.external_id, u.metadata::jsonb, 'KEPT'::"PairStatus", ${utcNow}
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS u(id, topic, instruction, chosen, rejected, external_id, metadata, position)
       ORDER BY u.position`,
      [datasetId, ids, columns.topic, columns.instruction, columns.chosen, columns.rejected, columns.externalId, columns.metadata],
    );
  },
  async addCounts(client, datasetId, counts) {
    await execute(client, `UPDATE "PreferenceDataset" SET "pairCount" = "pairCount" + $2 WHERE id = $1`, [datasetId, counts.inserted]);
  },
  async deleteImportedRows(client, _importId, datasetId) {
    // A dataset holds the pairs of exactly one import.
    const deleted = await client.$executeRawUnsafe(`DELETE FROM "Pair" WHERE "datasetId" = $1 AND origin = 'IMPORTED'::"PairOrigin"`, datasetId);
    await client.$executeRawUnsafe(`UPDATE "PreferenceDataset" SET "pairCount" = GREATEST(0, "pairCount" - $2) WHERE id = $1`, datasetId, deleted);
    return deleted;
  },
  async hasRows(client, datasetId) {
    return (await client.pair.findFirst({ where: { datasetId }, select: { id: true } })) !== null;
  },
  async deleteTarget(client, datasetId) {
    await client.preferenceDataset.deleteMany({ where: { id: datasetId } });
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

export const utcNowSql = utcNow;
