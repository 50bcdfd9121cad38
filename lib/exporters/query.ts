/**
 * Selection → SQL → rows. Rows come from a server-side cursor (DECLARE … FETCH n) inside one
 * REPEATABLE READ transaction, as arrays, one batch fetched ahead while the previous one is being
 * encoded: memory holds two batches whatever the size of the export, and the counting pass, the
 * split plan and the rows all see the same snapshot.
 */
import type pg from 'pg';

import { promptMessagesFor } from '@/lib/pairs/prompt-messages';

import { copyRowColumns, copyRows, EXPORT_COLUMN_LIST } from './copy-rows';
import { bothSidesSql, hasTextSql } from './prompt';
import { quoteLiteral } from './sql-lines';
import type { ExportSelection } from './request';
import { createInstructionDeduper, topicStratum } from './selection';
import type { AuditStatus, ExportRow } from './types';

/** Rows per FETCH; about 2–3 MB of text at typical pair sizes. */
export const DEFAULT_FETCH_ROWS = 2_000;

/** Adds a value to the statement and returns how the SQL refers to it. */
export type Bind = (value: string | number | readonly string[]) => string;

export function parameterBinder(): { bind: Bind; values: unknown[] } {
  const values: unknown[] = [];
  return {
    values,
    bind: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/** For statements that take no parameters (COPY): values become quoted literals. */
export const literalBinder: Bind = (value) => {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return quoteLiteral(value);
  return `ARRAY[${value.map(quoteLiteral).join(',')}]::text[]`;
};



/** The columns every exporter needs, in the order `toExportRow` reads them. */
export const EXPORT_ROW_COLUMNS = EXPORT_COLUMN_LIST.join(', ');

export function selectionWhere(selection: ExportSelection, bind: Bind): string {
  const conditions: string[] = [];
  const sources: string[] = [];
  if (selection.runIds.length > 0) sources.push(`p."runId" = ANY(${bind(selection.runIds)}::text[])`);
  if (selection.datasetIds.length > 0) sources.push(`p."datasetId" = ANY(${bind(selection.datasetIds)}::text[])`);
  if (sources.length > 0) conditions.push(`(${sources.join(' OR ')})`);
  if (selection.topics.length > 0) conditions.push(`p.topic = ANY(${bind(selection.topics)}::text[])`);
  // Written out rather than COALESCE(humanStatus, status) so the planner can estimate it: with a
  // guess of 0.5% it would sort the whole table instead of walking the primary key in order.
  const statuses = `${bind(selection.statuses)}::text[]::"PairStatus"[]`;
  conditions.push(`(p."humanStatus" = ANY(${statuses}) OR (p."humanStatus" IS NULL AND p.status = ANY(${statuses})))`);
  if (selection.auditPassedOnly) conditions.push(`p."auditOutcome" = 'ACCEPTED'`);
  else if (selection.excludeAuditRejected) conditions.push(`p."auditOutcome" <> 'REJECTED'`);
  if (!selection.includeHumanEdited) conditions.push(`NOT p."humanEdited"`);
  return conditions.join(' AND ');
}

export function selectionOrder(selection: ExportSelection, bind: Bind): string {
  return selection.shuffleSeed === null ? 'p.id' : `md5(${bind(selection.shuffleSeed)} || ':' || p.id::text), p.id`;
}

/**
 * The SQL limit: only without dedup, where the n-th matching row is the n-th exported one. With
 * dedup the export stops itself after n distinct instructions.
 */
function selectionLimit(selection: ExportSelection, bind: Bind): string {
  return selection.limit !== null && !selection.dedupInstructions ? ` LIMIT ${bind(selection.limit)}` : '';
}

/** `SELECT <columns> FROM "Pair" p WHERE … ORDER BY … [LIMIT n]` for this selection. */
export function selectionSql(selection: ExportSelection, columns: string, bind: Bind): string {
  const where = selectionWhere(selection, bind);
  const order = selectionOrder(selection, bind);
  return `SELECT ${columns} FROM "Pair" p WHERE ${where} ORDER BY ${order}${selectionLimit(selection, bind)}`;
}

export type SourceNames = { runs: ReadonlyMap<string, string>; datasets: ReadonlyMap<string, string> };

const AUDIT_STATUSES: Record<string, AuditStatus> = { none: 'none', accepted: 'accepted', rejected: 'rejected' };

/** One cursor row (see EXPORT_ROW_COLUMNS) as the exporters' row type. */
export function toExportRow(values: unknown[], names: SourceNames): ExportRow {
  const runId = values[5] as string | null;
  const datasetId = values[6] as string | null;
  const sourceId = runId ?? datasetId ?? '';
  return {
    id: values[0] as string,
    instruction: values[1] as string,
    promptMessages: values[14] === null ? null : promptMessagesFor(values[1] as string, JSON.parse(values[14] as string)),
    chosen: values[2] as string | null,
    rejected: values[3] as string | null,
    topic: values[4] as string | null,
    sourceKind: runId !== null ? 'run' : 'dataset',
    sourceId,
    sourceName: (runId !== null ? names.runs.get(runId) : names.datasets.get(sourceId)) ?? '(deleted source)',
    instructionVerdict: values[7] as string | null,
    instructionReason: values[8] as string | null,
    responseVerdict: values[9] as string | null,
    responseReason: values[10] as string | null,
    auditStatus: AUDIT_STATUSES[values[11] as string] ?? 'none',
    humanEdited: values[12] as boolean,
    simulated: values[13] as boolean,
  };
}

let cursorCounter = 0;

/**
 * Batches of array rows from a server-side cursor; the next FETCH is already on its way while the
 * caller works on the current batch. Must run inside a transaction (see `withSnapshot`).
 */
export async function* fetchBatches(
  client: pg.ClientBase,
  sql: string,
  values: unknown[],
  batchSize = DEFAULT_FETCH_ROWS,
): AsyncGenerator<unknown[][]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const cursor = `export_rows_${++cursorCounter}`;
  await client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, values });
  const fetchNext = () => client.query<unknown[]>({ text: `FETCH FORWARD ${batchSize} FROM ${cursor}`, rowMode: 'array' });
  let pending: Promise<pg.QueryArrayResult<unknown[]>> | null = fetchNext();
  try {
    while (pending) {
      const batch: unknown[][] = (await pending).rows;
      pending = batch.length === batchSize ? fetchNext() : null;
      if (batch.length > 0) yield batch;
    }
  } finally {
    // A consumer that stops early leaves one FETCH in flight; let it land before closing.
    if (pending) await pending.catch(() => undefined);
    await client.query(`CLOSE ${cursor}`).catch(() => undefined);
  }
}

/** Runs `work` in one read-only REPEATABLE READ transaction, so every query sees the same rows. */
export async function withSnapshot<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export type TopicCount = { topic: string | null; rows: number; simulated: number; humanEdited: number };

export type SelectionCount = { topics: TopicCount[]; matching: number; simulated: number; humanEdited: number; rowsToRead: number };

/** What the export would read, in the order rows are exported and with the split each would get. */
export type SelectionPlan = {
  /** Matching rows read before the limit stopped the export. */
  rowsIn: number;
  duplicates: number;
  /** Rows that will be exported. */
  rows: number;
  /** Of those, rows with a non-blank chosen side, and with both sides non-blank (see `hasText`). */
  withChosen: number;
  complete: number;
  /** Exported rows per `topicStratum`. */
  strata: Map<string, number>;
};

export type RowsOptions = {
  /** `Exporter.sqlLine` expressions whose lines the rows should carry (only rows read through COPY do). */
  lines?: readonly string[];
  /**
   * True when every writer takes its line from `lines` and nothing reads more of a row than the
   * router and a direct download's counts (id, instruction, topic, the two flags): COPY then
   * leaves the rest unread (half the bytes), and such a row throws if asked for it.
   */
  linesOnly?: boolean;
  /** `auto` reads through COPY when it can (see `copyAllowed`); the others force a path (tests). */
  via?: 'auto' | 'copy' | 'cursor';
};

/** Reads one selection through one connection; call its methods inside `withSnapshot`. */
export class SelectionReader {
  constructor(
    private readonly client: pg.ClientBase,
    readonly selection: ExportSelection,
    private readonly fetchRows = DEFAULT_FETCH_ROWS,
  ) {}

  /** Matching rows per topic, before dedup and limit. */
  async countByTopic(): Promise<TopicCount[]> {
    const { bind, values } = parameterBinder();
    const where = selectionWhere(this.selection, bind);
    const result = await this.client.query<{ topic: string | null; rows: number; simulated: number; humanEdited: number }>(
      `SELECT p.topic, count(*)::int AS rows, (count(*) FILTER (WHERE p.simulated))::int AS simulated,
              (count(*) FILTER (WHERE p."humanEdited"))::int AS "humanEdited"
         FROM "Pair" p WHERE ${where} GROUP BY p.topic ORDER BY p.topic NULLS LAST`,
      values,
    );
    return result.rows;
  }

  /** Matching rows (before dedup) per topic and in all, and what an export of them reads at most. */
  async count(): Promise<SelectionCount> {
    const topics = await this.countByTopic();
    const sum = (pick: (topic: TopicCount) => number) => topics.reduce((total, topic) => total + pick(topic), 0);
    const matching = sum((topic) => topic.rows);
    const { limit, dedupInstructions } = this.selection;
    return {
      topics,
      matching,
      simulated: sum((topic) => topic.simulated),
      humanEdited: sum((topic) => topic.humanEdited),
      rowsToRead: limit === null || dedupInstructions ? matching : Math.min(matching, limit),
    };
  }

  /**
   * The exact rows per topic that the export will write: in SQL without dedup, else by reading
   * instructions in export order through the same dedup and limit as the export itself.
   */
  async plan(): Promise<SelectionPlan> {
    const { selection } = this;
    const { bind, values } = parameterBinder();
    const sides = `${hasTextSql('p.chosen', bind)} AS has_chosen, ${hasTextSql('p.rejected', bind)} AS has_rejected`;
    if (!selection.dedupInstructions) {
      const inner = selectionSql(selection, `p.topic, ${sides}`, bind);
      const result = await this.client.query<{ topic: string | null; rows: number; withChosen: number; complete: number }>(
        `SELECT s.topic, count(*)::int AS rows, (count(*) FILTER (WHERE s.has_chosen))::int AS "withChosen",
                (count(*) FILTER (WHERE s.has_chosen AND s.has_rejected))::int AS complete
           FROM (${inner}) s GROUP BY s.topic`,
        values,
      );
      const strata = new Map<string, number>();
      for (const row of result.rows) strata.set(topicStratum(row.topic), (strata.get(topicStratum(row.topic)) ?? 0) + row.rows);
      const total = (pick: (row: (typeof result.rows)[number]) => number) => result.rows.reduce((sum, row) => sum + pick(row), 0);
      const rows = total((row) => row.rows);
      return { rowsIn: rows, duplicates: 0, rows, strata, withChosen: total((row) => row.withChosen), complete: total((row) => row.complete) };
    }
    const deduper = createInstructionDeduper();
    const strata = new Map<string, number>();
    let rowsIn = 0;
    let rows = 0;
    let withChosen = 0;
    let complete = 0;
    const limit = selection.limit ?? Number.POSITIVE_INFINITY;
    const batches = fetchBatches(this.client, selectionSql(selection, `p.instruction, p.topic, ${sides}`, bind), values, this.fetchRows);
    reading: for await (const batch of batches) {
      for (const [instruction, topic, hasChosen, hasRejected] of batch as [string, string | null, boolean, boolean][]) {
        if (rows >= limit) break reading;
        rowsIn++;
        if (!deduper.isFirst(instruction)) continue;
        rows++;
        if (hasChosen) withChosen++;
        if (hasChosen && hasRejected) complete++;
        const stratum = topicStratum(topic);
        strata.set(stratum, (strata.get(stratum) ?? 0) + 1);
      }
    }
    return { rowsIn, duplicates: rowsIn - rows, rows, strata, withChosen, complete };
  }

  /** Runs with at least one matching pair: the runs whose recipes the manifest must describe. */
  async runIds(): Promise<string[]> {
    const { bind, values } = parameterBinder();
    const where = selectionWhere(this.selection, bind);
    const result = await this.client.query<{ runId: string }>(
      `SELECT DISTINCT p."runId" AS "runId" FROM "Pair" p WHERE ${where} AND p."runId" IS NOT NULL`,
      values,
    );
    return result.rows.map((row) => row.runId).sort();
  }

  /** Audits whose sample includes at least one matching pair. */
  async auditIds(): Promise<string[]> {
    const { bind, values } = parameterBinder();
    const where = selectionWhere(this.selection, bind);
    const result = await this.client.query<{ auditId: string }>(
      `SELECT DISTINCT ai."auditId" AS "auditId" FROM "AuditItem" ai JOIN "Pair" p ON p.id = ai."pairId" WHERE ${where}`,
      values,
    );
    return result.rows.map((row) => row.auditId).sort();
  }

  async sourceNames(): Promise<SourceNames> {
    const { runIds, datasetIds } = this.selection;
    const everySource = runIds.length === 0 && datasetIds.length === 0;
    const runs = await this.client.query<{ id: string; name: string }>(
      everySource ? 'SELECT id, name FROM "Run"' : 'SELECT id, name FROM "Run" WHERE id = ANY($1::text[])',
      everySource ? [] : [runIds],
    );
    const datasets = await this.client.query<{ id: string; name: string }>(
      everySource ? 'SELECT id, name FROM "PreferenceDataset"' : 'SELECT id, name FROM "PreferenceDataset" WHERE id = ANY($1::text[])',
      everySource ? [] : [datasetIds],
    );
    return {
      runs: new Map(runs.rows.map((row) => [row.id, row.name])),
      datasets: new Map(datasets.rows.map((row) => [row.id, row.name])),
    };
  }

  /**
   * Whether COPY can carry this export: its bytes are UTF-8 only when the server and the
   * connection say so, its literals need standard_conforming_strings, and a COPY cannot be stopped
   * early, so a dedup-aware limit (which stops reading at the n-th distinct row) keeps the cursor.
   */
  async copyAllowed(): Promise<boolean> {
    if (this.selection.limit !== null && this.selection.dedupInstructions) return false;
    const { rows } = await this.client.query<{ server: string; client: string; standard: string }>(
      `SELECT current_setting('server_encoding') AS server, current_setting('client_encoding') AS client,
              current_setting('standard_conforming_strings') AS standard`,
    );
    return rows[0].server === 'UTF8' && rows[0].client === 'UTF8' && rows[0].standard === 'on';
  }

  /** Every matching row in export order (dedup, split and the dedup-aware limit are the exporter's). */
  async *rows(options: RowsOptions = {}): AsyncGenerator<ExportRow> {
    const names = await this.sourceNames();
    const via = options.via ?? 'auto';
    if (via === 'copy' || (via === 'auto' && (await this.copyAllowed()))) {
      const lines = [...new Set(options.lines ?? [])];
      const full = options.linesOnly !== true;
      const columns = [...copyRowColumns(full), ...lines, bothSidesSql(quoteLiteral)].join(', ');
      yield* copyRows(this.client, selectionSql(this.selection, columns, literalBinder), names, lines, full);
      return;
    }
    const { bind, values } = parameterBinder();
    const sql = selectionSql(this.selection, EXPORT_ROW_COLUMNS, bind);
    for await (const batch of fetchBatches(this.client, sql, values, this.fetchRows)) {
      for (const values of batch) yield toExportRow(values, names);
    }
  }
}
