import { rm } from 'node:fs/promises';
import { pool } from '@/lib/db/pools';
import { execute, NOW_UTC, queryRows, withTransaction, type PgClient } from '@/lib/db/sql';

import { describeRowError, ImportFileError } from '../errors';
import type { ImportLimits, ReadOptions, RowError } from '../types';
import { parseImportOptions, type ImportConfig, type ImportPhase, type ImportState, type ImportTargetKind } from './config';
import { importTargetColumn, importTargets, type DedupState, type ImportTarget } from './targets';

export interface RunOptions {
  /** Rows per INSERT (default 2,000). */
  batchRows?: number;
  /** …or fewer when the texts are long (default 4 MiB of text). */
  batchBytes?: number;
  /** Batches written at the same time, committed in file order (default 2). */
  writers?: number;
  heartbeatMs?: number;
  /** Overrides of the parser's byte limits (an operator's choice, not the uploader's). */
  limits?: Partial<Pick<ImportLimits, 'maxBytes' | 'maxDecompressedBytes' | 'maxExpansionRatio' | 'maxRecordBytes'>>;
  onProgress?: (progress: RunProgress) => void;
}

export type RunProgress = {
  phase: ImportPhase;
  bytesRead: number;
  totalBytes: number;
  /** Records read by the check pass, or committed by the import pass. */
  records: number;
  totalRecords: number | null;
  rowsInserted: number;
  duplicates: number;
  errors: number;
};

export type RunOutcome =
  | { status: 'COMPLETED'; rowsInserted: number; duplicates: number; errors: number }
  | { status: 'FAILED' | 'CANCELLED'; error: string }
  /** Another attempt took over, the import was deleted, or it was marked interrupted meanwhile. */
  | { status: 'LOST' };

const defaults = { batchRows: 2000, batchBytes: 4 * 1024 * 1024, writers: 2, heartbeatMs: 2000, limits: {} };
const errorFlushSize = 1000;

type StopReason = 'cancelled' | 'lost';

/**
 * The attempt must stop. Inside a transaction the reason is left open ('unknown'): finding it out
 * needs another connection, and a transaction waiting for a second connection can starve the pool.
 */
class StopSignal extends Error {
  constructor(readonly reason: StopReason | 'unknown') {
    super(`import ${reason}`);
  }
}

/** All-or-nothing and "no usable row" end here: the report holds the details. */
class RowsRejected extends Error {}

/** A batch failed because an earlier one did; the earlier error is the one to report. */
class PredecessorFailed extends Error {}

function reportText(value: string, maxLength: number): string {
  // The report is for reading, not a faithful copy: keep it storable whatever the file held.
  const text = value.replaceAll('\u0000', '\uFFFD');
  const wellFormed = (text as unknown as { toWellFormed(): string }).toWellFormed();
  return wellFormed.length > maxLength ? `${wellFormed.slice(0, maxLength)}…` : wellFormed;
}

type ImportRecord = { id: string; filePath: string; fileBytes: number; committedLine: number; rowsRead: number; rowsInserted: number; duplicates: number; errorCount: number; createdById: string | null; corpusId: string | null; datasetId: string | null };

/** One attempt at one import: its identity (token), heartbeat and counters. */
class Job {
  stop: StopReason | null = null;
  private timer: NodeJS.Timeout | null = null;
  readonly progress: RunProgress;

  constructor(
    readonly record: ImportRecord,
    readonly token: string,
    readonly config: ImportConfig,
    public state: ImportState,
    readonly options: Required<Omit<RunOptions, 'onProgress'>> & Pick<RunOptions, 'onProgress'>,
  ) {
    this.progress = {
      phase: state.phase,
      bytesRead: 0,
      totalBytes: record.fileBytes,
      records: record.rowsRead,
      totalRecords: state.totalRecords,
      rowsInserted: record.rowsInserted,
      duplicates: record.duplicates,
      errors: record.errorCount,
    };
  }

  get id(): string {
    return this.record.id;
  }

  /** SQL condition "this attempt still owns the import" ($1 = id, $2 = token). */
  static readonly owns = `id = $1 AND options->'state'->>'runToken' = $2`;

  startHeartbeat(): void {
    this.timer = setInterval(() => void this.beat().catch(() => undefined), this.options.heartbeatMs);
    this.timer.unref?.();
  }

  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private beating: Promise<void> | null = null;

  /** Keeps the import alive for the sweep, saves check-pass progress, and learns about cancel. */
  beat(): Promise<void> {
    // One beat at a time: beats queued behind a locked row would otherwise hold every connection.
    this.beating ??= this.beatOnce().finally(() => {
      this.beating = null;
    });
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const checking = this.progress.phase === 'checking';
    const rows = await queryRows<{ status: string }>(
      pool('imports'),
      `UPDATE "Import" SET "heartbeatAt" = ${NOW_UTC},
         options = CASE WHEN $3 THEN jsonb_set(jsonb_set(options, '{state,bytesRead}', to_jsonb($4::float8)), '{state,checkedRecords}', to_jsonb($5::int)) ELSE options END
       WHERE ${Job.owns} AND status IN ('RUNNING', 'CANCELLED') RETURNING status::text AS status`,
      [this.id, this.token, checking, this.progress.bytesRead, this.progress.records],
    );
    if (rows.length === 0) this.stop = 'lost';
    else if (rows[0].status === 'CANCELLED') this.stop ??= 'cancelled';
  }

  throwIfStopped(): void {
    if (this.stop) throw new StopSignal(this.stop);
  }

  /** After a guarded write changed nothing: find out why. */
  async stopReason(): Promise<StopReason> {
    await this.beat();
    return this.stop ?? 'lost';
  }

  report(): void {
    this.options.onProgress?.({ ...this.progress });
  }

  /** Merges into `options.state` and runs `set` in the same guarded UPDATE; false when the attempt no longer owns the import. */
  async saveState(client: PgClient, patch: Partial<ImportState>, set = '', values: unknown[] = [], statuses = `'RUNNING'`): Promise<boolean> {
    this.state = { ...this.state, ...patch };
    const updated = await execute(
      client,
      `UPDATE "Import" SET options = jsonb_set(options, '{state}', COALESCE(options->'state', '{}'::jsonb) || $3::jsonb), "heartbeatAt" = ${NOW_UTC}${set ? `, ${set}` : ''}
       WHERE ${Job.owns} AND status IN (${statuses})`,
      [this.id, this.token, JSON.stringify(patch), ...values],
    );
    return updated > 0;
  }
}

type Batch<R> = { rows: R[]; bytes: number; records: number; lastLine: number; bytesRead: number };

/**
 * Writes batches on up to `writers` connections at once but commits them in file order, each
 * with its counters and `committedLine`, so a resumed import continues exactly after the last
 * committed row. Keys of batches still in flight are deduplicated here, so two open transactions
 * never insert the same key (which would make one wait for the other inside Postgres while the
 * other waits for it here).
 */
class OrderedWriter<R extends { line: number }> {
  private queue: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();
  private inflightKeys = new Set<string>();
  /** An existing corpus may hold any key of the file: look them up from the first batch on. */
  private readonly dedup: DedupState;

  constructor(
    private readonly job: Job,
    private readonly target: ImportTarget<R>,
    private readonly targetId: string,
  ) {
    this.dedup = { lookUpStoredKeys: job.config.kind === 'corpus' && job.config.target.mode === 'existing' };
  }

  async submit(batch: Batch<R>): Promise<void> {
    if (this.queue.length >= this.job.options.writers) await this.queue.shift();
    const rows: R[] = [];
    const keys: (string | null)[] = [];
    const ownKeys: string[] = [];
    for (const row of batch.rows) {
      const key = this.target.dedupKey(row);
      if (key !== null) {
        if (this.inflightKeys.has(key)) continue;
        this.inflightKeys.add(key);
        ownKeys.push(key);
      }
      rows.push(row);
      keys.push(key);
    }
    const localDuplicates = batch.rows.length - rows.length;
    // Ids drawn here, one batch after the other, keep the table in file order although batches insert concurrently.
    const ids = await reserveIds(this.target.table, rows.length);
    const predecessor = this.last.then(
      () => undefined,
      () => {
        throw new PredecessorFailed();
      },
    );
    // Handled here too: a batch that fails before it awaits its predecessor must not leave that rejection unhandled.
    predecessor.catch(() => undefined);
    const write = this.write(batch, rows, ids, keys, localDuplicates, predecessor);
    const release = () => {
      for (const key of ownKeys) this.inflightKeys.delete(key);
    };
    write.then(release, release);
    this.last = write;
    this.queue.push(write);
  }

  /** Waits for every batch; rethrows the first failure. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift();
  }

  /** After a failure: let the other open transactions finish (they roll back) before cleaning up. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.queue);
    this.queue = [];
  }

  private async write(batch: Batch<R>, rows: R[], ids: string[], keys: (string | null)[], localDuplicates: number, predecessor: Promise<void>): Promise<void> {
    const { job, target, targetId } = this;
    const counts = await withTransaction(pool('imports'), async (tx) => {
      // Counters commit with the rows, so losing the last commits in a crash loses both together.
      await tx.query('SET LOCAL synchronous_commit = off');
      const inserted = await target.insertRows(tx, job.id, targetId, rows, ids, keys, this.dedup);
      await predecessor;
      const counts = { inserted, duplicates: localDuplicates + rows.length - inserted };
      const updated = await execute(
        tx,
        `UPDATE "Import" SET "rowsRead" = "rowsRead" + $3, "rowsInserted" = "rowsInserted" + $4, duplicates = duplicates + $5,
           "committedLine" = $6, "heartbeatAt" = ${NOW_UTC}, options = jsonb_set(options, '{state,bytesRead}', to_jsonb($7::float8))
         WHERE ${Job.owns} AND status = 'RUNNING'`,
        [job.id, job.token, batch.records, counts.inserted, counts.duplicates, batch.lastLine, batch.bytesRead],
      );
      if (updated === 0) throw new StopSignal('unknown');
      await target.addCounts(tx, targetId, counts);
      return counts;
    });
    const { progress } = job;
    progress.records += batch.records;
    progress.rowsInserted += counts.inserted;
    progress.duplicates += counts.duplicates;
    progress.bytesRead = batch.bytesRead;
    job.report();
  }
}

/**
 * `count` ids from the table's sequence, ascending. Usually contiguous (no other writer drew in
 * between): then only the first and last come back. Asking for each id as a row, with the
 * sequence looked up per row, took 13 % of the writers' time (bench:import, 100k rows).
 */
async function reserveIds(table: ImportTarget<{ line: number }>['table'], count: number): Promise<string[]> {
  if (count === 0) return [];
  const [drawn] = await queryRows<{ first: string; last: string; ids: string[] | null }>(
    pool('imports'),
    `WITH drawn AS (SELECT nextval((SELECT pg_get_serial_sequence('"${table}"', 'id'))::regclass) AS id FROM generate_series(1, $1))
     SELECT min(id)::text AS first, max(id)::text AS last,
       CASE WHEN max(id) - min(id) + 1 = $1 THEN NULL ELSE array_agg(id ORDER BY id)::text[] END AS ids
     FROM drawn`,
    [count],
  );
  if (drawn.ids) return drawn.ids;
  const first = BigInt(drawn.first);
  return Array.from({ length: count }, (_, i) => (first + BigInt(i)).toString());
}

function readOptionsFor(config: ImportConfig, pass: 'check' | 'import', limits: RunOptions['limits']): ReadOptions {
  return {
    ...limits,
    declaredFormat: config.format ?? undefined,
    delimiter: config.delimiter ?? undefined,
    maxTextLength: config.maxTextLength,
    onRowError: 'skip',
    maxRowErrors: pass === 'check' ? config.maxRowErrors : undefined,
  };
}

async function saveRowErrors(job: Job, errors: RowError[]): Promise<void> {
  if (errors.length === 0) return;
  await withTransaction(pool('imports'), async (tx) => {
    const owned = await job.saveState(tx, { checkedRecords: job.progress.records, bytesRead: job.progress.bytesRead }, `"errorCount" = "errorCount" + $4`, [errors.length]);
    if (!owned) throw new StopSignal('unknown');
    await execute(
      tx,
      `INSERT INTO "ImportRowError" ("importId", line, "column", reason) SELECT $1, u.line, u.column_name, u.reason
       FROM unnest($2::int[], $3::text[], $4::text[]) AS u(line, column_name, reason)`,
      [
        job.id,
        errors.map((error) => error.line),
        errors.map((error) => (error.column === undefined ? null : reportText(error.column, 500))),
        errors.map((error) => reportText(error.reason, 1000)),
      ],
    );
  });
  job.progress.errors += errors.length;
}

/**
 * Pass 1: reads the whole file and records every row error before anything is stored, so a file
 * problem (wrong format, truncation, a bomb, too many errors) or an all-or-nothing failure leaves
 * no rows behind, and pass 2 knows the total for its progress bar.
 */
async function checkFile<R extends { line: number }>(target: ImportTarget<R>, job: Job): Promise<void> {
  job.progress.phase = 'checking';
  job.progress.records = 0;
  job.progress.errors = 0;
  // A check pass interrupted earlier may have saved some row errors: start the report afresh.
  await withTransaction(pool('imports'), async (tx) => {
    const owned = await job.saveState(tx, { phase: 'checking', checkedRecords: 0, bytesRead: 0 }, `"errorCount" = 0`);
    if (!owned) throw new StopSignal('unknown');
    await execute(tx, `DELETE FROM "ImportRowError" WHERE "importId" = $1`, [job.id]);
  });
  const run = target.read(job.config, job.record.filePath, readOptionsFor(job.config, 'check', job.options.limits));
  let pending: RowError[] = [];
  let rows = 0;
  let firstError: RowError | null = null;
  try {
    for await (const item of run) {
      job.progress.records++;
      if ('row' in item) rows++;
      else {
        firstError ??= item.error;
        pending.push(item.error);
        if (pending.length >= errorFlushSize) {
          job.progress.bytesRead = run.stats.bytesRead;
          await saveRowErrors(job, pending);
          pending = [];
        }
      }
      if ((job.progress.records & 4095) === 0) {
        job.progress.bytesRead = run.stats.bytesRead;
        job.throwIfStopped();
        job.report();
      }
    }
  } catch (error) {
    // Keep the rows already found to be bad in the report, also when the file then fails as a whole.
    if (error instanceof ImportFileError) await saveRowErrors(job, pending).catch(() => undefined);
    throw error;
  }
  job.progress.bytesRead = run.stats.bytesRead;
  await saveRowErrors(job, pending);
  job.throwIfStopped();
  const errors = job.progress.errors;
  if (errors > 0 && job.config.onRowError === 'abort') {
    throw new RowsRejected(
      `${errors.toLocaleString('en-US')} row${errors === 1 ? ' has' : 's have'} problems (first: ${describeRowError(firstError ?? { line: 0, reason: '?' })}). Nothing was stored because the import was set to all-or-nothing; see the report, fix the file and import it again.`,
    );
  }
  if (rows === 0) {
    throw new RowsRejected(`None of the ${job.progress.records.toLocaleString('en-US')} rows can be imported; see the report for the reasons (often a wrong column mapping).`);
  }
  const owned = await job.saveState(
    pool('imports'),
    { phase: 'importing', totalRecords: job.progress.records, totalRows: rows, bytesRead: 0, compressed: run.stats.compressed },
    `format = $4`,
    [run.stats.format ?? 'unknown'],
  );
  if (!owned) throw new StopSignal(await job.stopReason());
  job.progress.totalRecords = job.progress.records;
  job.progress.records = 0;
  job.progress.bytesRead = 0;
}

/** The corpus/dataset to write into: chosen, created by an earlier attempt, or created now (only once the file checked out). */
async function ensureTarget<R extends { line: number }>(target: ImportTarget<R>, job: Job, kind: ImportTargetKind): Promise<string> {
  const column = importTargetColumn[kind];
  const existing = job.config.kind === 'corpus' && job.config.target.mode === 'existing' ? job.config.target.corpusId : job.record[column];
  if (existing !== null) {
    const found = await target.findTarget(pool('imports'), existing);
    if (!found) throw new ImportFileError('UNSUPPORTED', `The ${target.noun} to import into no longer exists.`);
    return found.id;
  }
  // Created and linked in one transaction: a crash in between leaves no orphan corpus.
  const created = await withTransaction(pool('imports'), async (tx) => {
    const made = await target.createTarget(tx, job.config, job.record.createdById);
    const owned = await job.saveState(tx, { createdTarget: true, targetName: made.name }, `"${column}" = $4`, [made.id]);
    if (!owned) throw new StopSignal('unknown');
    return made;
  }).catch((error: unknown) => {
    if (error instanceof StopSignal) return null;
    throw error;
  });
  if (created === null) throw new StopSignal(await job.stopReason());
  return created.id;
}

/** Pass 2: inserts the rows after `committedLine` (row errors are already in the report). */
async function importRows<R extends { line: number }>(target: ImportTarget<R>, job: Job, writer: OrderedWriter<R>): Promise<void> {
  job.progress.phase = 'importing';
  const after = job.record.committedLine;
  const { batchRows, batchBytes } = job.options;
  const run = target.read(job.config, job.record.filePath, readOptionsFor(job.config, 'import', job.options.limits));
  let batch: Batch<R> = { rows: [], bytes: 0, records: 0, lastLine: after, bytesRead: 0 };
  for await (const item of run) {
    const line = 'row' in item ? item.row.line : item.error.line;
    if (line <= after) continue;
    batch.records++;
    batch.lastLine = line;
    if ('row' in item) {
      batch.rows.push(item.row);
      batch.bytes += target.rowBytes(item.row);
      if (batch.rows.length >= batchRows || batch.bytes >= batchBytes) {
        batch.bytesRead = run.stats.bytesRead;
        job.throwIfStopped();
        await writer.submit(batch);
        batch = { rows: [], bytes: 0, records: 0, lastLine: line, bytesRead: 0 };
      }
    }
  }
  if (batch.records > 0) {
    batch.bytesRead = run.stats.bytesRead;
    await writer.submit(batch);
  }
  await writer.drain();
}

async function removeOwnedFile(job: Job): Promise<void> {
  if (job.state.ownsFile) await rm(job.record.filePath, { force: true }).catch(() => undefined);
}

/**
 * Removes what an import stored and, when it created its corpus/dataset and that is now empty,
 * the target too (the import is detached first so its record and report survive). Idempotent and
 * serialised on the import row, so the runner and the sweep can both call it.
 */
export async function rollbackImportRows(importId: string): Promise<number> {
  return withTransaction(pool('imports'), async (tx) => {
    const [record] = await queryRows<{ corpusId: string | null; datasetId: string | null; options: unknown }>(
      tx,
      `SELECT "corpusId", "datasetId", options FROM "Import" WHERE id = $1 FOR UPDATE`,
      [importId],
    );
    if (!record) return 0;
    const { config, state } = parseImportOptions(record.options);
    if (!config) return 0;
    const targetId = config.kind === 'corpus' ? record.corpusId : record.datasetId;
    if (targetId === null) return 0;
    const target: ImportTarget<{ line: number }> = importTargets[config.kind];
    const deleted = await target.deleteImportedRows(tx, importId, targetId);
    const removeTarget = state.createdTarget && !(await target.hasRows(tx, targetId));
    await execute(tx, `UPDATE "Import" SET "rowsInserted" = 0, "committedLine" = 0${removeTarget ? `, "${importTargetColumn[config.kind]}" = NULL` : ''} WHERE id = $1`, [importId]);
    if (removeTarget) await target.deleteTarget(tx, targetId);
    return deleted;
  });
}

async function finishFailed(job: Job, kind: 'file' | 'rows' | 'interrupted', message: string): Promise<RunOutcome> {
  const owned = await job.saveState(pool('imports'), { phase: 'done', failureKind: kind }, `status = 'FAILED', error = $4, "finishedAt" = ${NOW_UTC}`, [message]);
  if (!owned) return { status: 'LOST' };
  return { status: 'FAILED', error: message };
}

async function handleFailure(job: Job, error: unknown): Promise<RunOutcome> {
  if (error instanceof StopSignal || error instanceof PredecessorFailed) {
    const known = error instanceof StopSignal && error.reason !== 'unknown' ? error.reason : null;
    const reason = known ?? (await job.stopReason());
    if (reason === 'lost') return { status: 'LOST' };
    await rollbackImportRows(job.id);
    const owned = await job.saveState(pool('imports'), { phase: 'done' }, `"finishedAt" = COALESCE("finishedAt", ${NOW_UTC})`, [], `'CANCELLED'`);
    await removeOwnedFile(job);
    return owned ? { status: 'CANCELLED', error: 'Cancelled; nothing was stored.' } : { status: 'LOST' };
  }
  if (error instanceof ImportFileError || error instanceof RowsRejected) {
    await rollbackImportRows(job.id);
    await removeOwnedFile(job);
    const message = error instanceof ImportFileError ? `${error.message} Nothing was stored.` : error.message;
    return finishFailed(job, error instanceof ImportFileError ? 'file' : 'rows', message);
  }
  // Anything else (database gone, disk full, a bug) keeps the committed rows: the import can be resumed.
  const detail = error instanceof Error ? error.message.split('\n').slice(-1)[0] : String(error);
  return finishFailed(job, 'interrupted', `The import stopped unexpectedly (${detail.slice(0, 300)}). Resume it to continue after the last saved row, or delete it.`).catch(() => ({
    status: 'LOST' as const,
  }));
}

async function runPhases<R extends { line: number }>(target: ImportTarget<R>, job: Job, kind: ImportTargetKind): Promise<RunOutcome> {
  let writer: OrderedWriter<R> | null = null;
  job.startHeartbeat();
  try {
    if (job.state.totalRecords === null) await checkFile(target, job);
    else job.progress.phase = 'importing';
    const targetId = await ensureTarget(target, job, kind);
    writer = new OrderedWriter(job, target, targetId);
    await importRows(target, job, writer);
    job.throwIfStopped();
    job.progress.phase = 'done';
    const owned = await job.saveState(pool('imports'), { phase: 'done' }, `status = 'COMPLETED', "finishedAt" = ${NOW_UTC}, error = NULL`);
    if (!owned) throw new StopSignal(await job.stopReason());
    await removeOwnedFile(job);
    job.report();
    return { status: 'COMPLETED', rowsInserted: job.progress.rowsInserted, duplicates: job.progress.duplicates, errors: job.progress.errors };
  } catch (error) {
    await writer?.settle();
    return await handleFailure(job, error);
  } finally {
    job.stopHeartbeat();
  }
}

const runByKind: Record<ImportTargetKind, (job: Job) => Promise<RunOutcome>> = {
  corpus: (job) => runPhases(importTargets.corpus, job, 'corpus'),
  dataset: (job) => runPhases(importTargets.dataset, job, 'dataset'),
};

/**
 * Runs (or continues) an import that `beginImport`/`resumeImport` put in RUNNING with `token`.
 * Never throws for problems of the file or the database: the outcome is saved on the import row.
 */
type ImportRow = ImportRecord & { status: string; options: unknown };

/**
 * Runs (or continues) an import that `beginImport`/`resumeImport` put in RUNNING with `token`.
 * Never throws for problems of the file or the database: the outcome is saved on the import row.
 */
export async function runImport(importId: string, token: string, options: RunOptions = {}): Promise<RunOutcome> {
  const [record] = await queryRows<ImportRow>(
    pool('imports'),
    `SELECT id, status::text AS status, options, "filePath", "fileBytes"::float8 AS "fileBytes", "committedLine", "rowsRead", "rowsInserted", duplicates,
       "errorCount", "createdById", "corpusId", "datasetId"
     FROM "Import" WHERE id = $1`,
    [importId],
  );
  if (!record || record.status !== 'RUNNING') return { status: 'LOST' };
  const { config, state } = parseImportOptions(record.options);
  if (config === null || state.runToken !== token) return { status: 'LOST' };
  const job = new Job(record, token, config, state, { ...defaults, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) });
  return runByKind[config.kind](job);
}

export type ImportCounters = { status: string; rowsRead: number; rowsInserted: number; duplicates: number; errorCount: number; error: string | null };

/** The counters of an import, without loading the ORM (for the command line). */
export async function importCounters(importId: string): Promise<ImportCounters | null> {
  const [row] = await queryRows<ImportCounters>(
    pool('imports'),
    `SELECT status::text AS status, "rowsRead", "rowsInserted", duplicates, "errorCount", error FROM "Import" WHERE id = $1`,
    [importId],
  );
  return row ?? null;
}
