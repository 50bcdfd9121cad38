import { createHash, randomBytes } from 'node:crypto';

import { execute, NOW_UTC, queryRows, type PgClient } from '@/lib/db/sql';

import { normaliseForDedup } from '../dedup';
import { readPairRows, readSourceRows, type ImportRun } from '../read-rows';
import type { PairRow, ReadOptions, RowError, SourceRow } from '../types';
import type { ImportConfig, ImportTargetKind } from './config';

/** A source text without a topic still needs one (topics group the corpus and the pipeline). */
export const defaultTopic = 'unlabelled';

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
  createTarget(client: PgClient, config: ImportConfig, createdById: string | null): Promise<TargetRef>;
  findTarget(client: PgClient, id: string): Promise<TargetRef | null>;
  /** The key exact duplicates share, or null when the target keeps duplicates. */
  dedupKey(row: R): string | null;
  /** Inserts one batch (`ids[i]` and `keys[i]` belong to `rows[i]`); rows whose key is already stored are skipped. Returns the rows inserted. */
  insertRows(client: PgClient, importId: string, targetId: string, rows: readonly R[], ids: readonly string[], keys: readonly (string | null)[]): Promise<number>;
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
    const columns = {
      topic: [] as (string | null)[],
      instruction: [] as string[],
      chosen: [] as (string | null)[],
      rejected: [] as (string | null)[],
      externalId: [] as (string | null)[],
      metadata: [] as (string | null)[],
      promptMessages: [] as (string | null)[],
    };
    for (const row of rows) {
      columns.topic.push(row.topic);
      columns.instruction.push(row.instruction);
      columns.promptMessages.push(row.promptMessages === null ? null : JSON.stringify(row.promptMessages));
      columns.chosen.push(row.chosen);
      columns.rejected.push(row.rejected);
      columns.externalId.push(row.externalId);
      columns.metadata.push(metadataJson(row.metadata));
    }
    // Imported pairs are kept as they come: review and audits decide about them like about generated ones.
    return execute(
      client,
      `INSERT INTO "Pair" (id, origin, "datasetId", topic, instruction, "promptMessages", chosen, rejected, "externalId", metadata, status, "updatedAt")
       SELECT u.id, 'IMPORTED'::"PairOrigin", $1, u.topic, u.instruction, u.prompt_messages::jsonb, u.chosen, u.rejected, u.external_id, u.metadata::jsonb, 'KEPT'::"PairStatus", ${NOW_UTC}
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         WITH ORDINALITY AS u(id, topic, instruction, prompt_messages, chosen, rejected, external_id, metadata, position)
       ORDER BY u.position`,
      [datasetId, ids, columns.topic, columns.instruction, columns.promptMessages, columns.chosen, columns.rejected, columns.externalId, columns.metadata],
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
