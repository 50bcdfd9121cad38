import { randomUUID } from 'node:crypto';
import { access, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import type { AuditActor } from '@/lib/audit-log/record';
import { pool } from '@/lib/db/pools';
import { execute, NOW_UTC, queryRows, withTransaction, type PgClient } from '@/lib/db/sql';
import { UserFacingError } from '@/lib/errors';
import { liveJobCount, sendJob } from '@/lib/jobs/send';

import { formatFromFileName } from '../detect';
import { uploadsDir } from '../uploads';
import { importKindOf, importOptionsSchema, importStateSchema, parseImportOptions, type ImportConfig } from './config';
import { rollbackImportRows, runImport, type RunOptions, type RunOutcome } from './runner';
import { newRowId } from './targets';

/** A RUNNING import whose heartbeat is older than this is taken for dead (the runner beats every 2 s). */
export const staleHeartbeatSeconds = 30;
/** Uploads nobody mapped within this time are removed. */
const abandonedUploadHours = 24;

type LockedImport = {
  id: string;
  status: string;
  fileName: string;
  filePath: string;
  corpusId: string | null;
  datasetId: string | null;
  rowsRead: number;
  rowsInserted: number;
  options: unknown;
  stale: boolean;
};

async function lockImport(tx: PgClient, importId: string): Promise<LockedImport> {
  const rows = await queryRows<LockedImport>(
    tx,
    `SELECT id, status::text AS status, "fileName", "filePath", "corpusId", "datasetId", "rowsRead", "rowsInserted", options,
       ("heartbeatAt" IS NULL OR "heartbeatAt" < ${NOW_UTC} - make_interval(secs => $2)) AS stale
     FROM "Import" WHERE id = $1 FOR UPDATE`,
    [importId, staleHeartbeatSeconds],
  );
  if (rows.length === 0) throw new UserFacingError('This import no longer exists.');
  return rows[0];
}

/**
 * The job layer's audit entries, written in its own transactions. Same row as `recordAudit`
 * writes; the job layer stays on the driver so that an import process never loads the ORM.
 */
async function audit(tx: PgClient, entry: { actor: AuditActor; action: string; targetId: string; before?: unknown; after?: unknown }): Promise<void> {
  const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  await execute(
    tx,
    `INSERT INTO "AuditLog" (id, "actorId", "actorEmail", action, "targetType", "targetId", before, after, "createdAt")
     VALUES ($1, $2, $3, $4, 'Import', $5, $6::jsonb, $7::jsonb, ${NOW_UTC})`,
    [newRowId(), entry.actor?.id ?? null, entry.actor?.email ?? null, entry.action, entry.targetId, json(entry.before), json(entry.after)],
  );
}

/** One import at a time per corpus: two runners inserting the same texts would wait on each other. */
async function assertCorpusIdle(tx: PgClient, corpusId: string, exceptImportId: string): Promise<void> {
  const [running] = await queryRows<{ fileName: string }>(tx, `SELECT "fileName" FROM "Import" WHERE "corpusId" = $1 AND status = 'RUNNING' AND id <> $2 LIMIT 1`, [corpusId, exceptImportId]);
  if (running) throw new UserFacingError(`Another import into this corpus is running (${running.fileName}); wait for it or cancel it first.`);
}

/** Records an uploaded (or server-side) file as a PENDING import, waiting for its mapping. */
export async function createImport(input: {
  filePath: string;
  fileName: string;
  fileBytes: number;
  ownsFile: boolean;
  createdById: string | null;
}): Promise<{ id: string }> {
  const state = importStateSchema.parse({ ownsFile: input.ownsFile });
  const id = newRowId();
  await execute(
    pool('imports'),
    `INSERT INTO "Import" (id, kind, status, "fileName", "filePath", "fileBytes", format, options, "createdById", "createdAt")
     VALUES ($1, 'CORPUS', 'PENDING', $2, $3, $4, $5, $6::jsonb, $7, ${NOW_UTC})`,
    [id, input.fileName, input.filePath, input.fileBytes, formatFromFileName(input.fileName) ?? 'unknown', JSON.stringify({ config: null, state }), input.createdById],
  );
  return { id };
}

/** Settles the mapping and puts the import in RUNNING; returns the token its runner must present. */
export async function beginImport(importId: string, config: ImportConfig, actor: AuditActor): Promise<{ token: string }> {
  return withTransaction(pool('imports'), async (tx) => {
    const record = await lockImport(tx, importId);
    if (record.status !== 'PENDING') throw new UserFacingError('This import has already been started.');
    const { state } = parseImportOptions(record.options);
    let targetName: string;
    let corpusId: string | null = null;
    const target = config.target;
    if (target.mode === 'existing') {
      const [corpus] = await queryRows<{ id: string; name: string }>(tx, `SELECT id, name FROM "Corpus" WHERE id = $1 FOR KEY SHARE`, [target.corpusId]);
      if (!corpus) throw new UserFacingError('The corpus to import into no longer exists.');
      await assertCorpusIdle(tx, corpus.id, importId);
      targetName = corpus.name;
      corpusId = corpus.id;
    } else {
      targetName = target.name;
    }
    const token = randomUUID();
    const options = importOptionsSchema.parse({ config, state: { ...state, phase: 'checking', runToken: token, targetName, rowsAtStart: 0, failureKind: null } });
    await execute(
      tx,
      `UPDATE "Import" SET status = 'RUNNING', kind = $2::"ImportKind", options = $3::jsonb, "corpusId" = $4, "startedAt" = ${NOW_UTC}, "heartbeatAt" = ${NOW_UTC}, error = NULL
       WHERE id = $1`,
      [importId, importKindOf[config.kind], JSON.stringify(options), corpusId],
    );
    await audit(tx, {
      actor,
      action: 'import.start',
      targetId: importId,
      after: { fileName: record.fileName, kind: config.kind, target: config.target, mapping: config.mapping, onRowError: config.onRowError, maxTextLength: config.maxTextLength },
    });
    return { token };
  });
}

/** Continues a FAILED (interrupted) import after its last committed row. */
export async function resumeImport(importId: string, actor: AuditActor): Promise<{ token: string }> {
  return withTransaction(pool('imports'), async (tx) => {
    const record = await lockImport(tx, importId);
    const { config, state } = parseImportOptions(record.options);
    if (record.status !== 'FAILED' || state.failureKind !== 'interrupted' || config === null) {
      throw new UserFacingError('Only an interrupted import can be resumed; start a new import instead.');
    }
    try {
      await access(record.filePath);
    } catch {
      throw new UserFacingError('The file of this import is gone; delete the import and import the file again.');
    }
    if (record.corpusId) await assertCorpusIdle(tx, record.corpusId, importId);
    const token = randomUUID();
    const options = importOptionsSchema.parse({
      config,
      state: { ...state, phase: state.totalRecords === null ? 'checking' : 'importing', runToken: token, failureKind: null, rowsAtStart: record.rowsRead },
    });
    await execute(
      tx,
      `UPDATE "Import" SET status = 'RUNNING', options = $2::jsonb, "startedAt" = ${NOW_UTC}, "heartbeatAt" = ${NOW_UTC}, "finishedAt" = NULL, error = NULL WHERE id = $1`,
      [importId, JSON.stringify(options)],
    );
    await audit(tx, { actor, action: 'import.resume', targetId: importId, before: { rowsRead: record.rowsRead } });
    return { token };
  });
}

/** Stops a running import; its runner removes what it stored (nothing stays of a cancelled import). */
export async function cancelImport(importId: string, actor: AuditActor): Promise<void> {
  const outcome = await withTransaction(pool('imports'), async (tx) => {
    const record = await lockImport(tx, importId);
    if (record.status !== 'PENDING' && record.status !== 'RUNNING') throw new UserFacingError('Only a pending or running import can be cancelled.');
    await execute(tx, `UPDATE "Import" SET status = 'CANCELLED', "finishedAt" = ${NOW_UTC}, error = $2 WHERE id = $1`, [
      importId,
      `Cancelled by ${actor?.email ?? 'the command line'}; nothing was stored.`,
    ]);
    await audit(tx, { actor, action: 'import.cancel', targetId: importId, before: { status: record.status, rowsInserted: record.rowsInserted } });
    return { record, state: parseImportOptions(record.options).state };
  });
  // No runner will clean up after a pending import, nor after one whose runner is gone.
  if (outcome.record.status === 'PENDING' && outcome.state.ownsFile) await rm(outcome.record.filePath, { force: true });
  if (outcome.record.status === 'RUNNING' && outcome.record.stale) await rollbackImportRows(importId);
}

/** Removes an import that is not running, with the rows it stored and its report. */
export async function deleteImport(importId: string, actor: AuditActor): Promise<void> {
  const record = await withTransaction(pool('imports'), async (tx) => {
    const locked = await lockImport(tx, importId);
    if (locked.status === 'RUNNING') throw new UserFacingError('This import is running; cancel it first.');
    return locked;
  });
  const removedRows = await rollbackImportRows(importId);
  await withTransaction(pool('imports'), async (tx) => {
    await execute(tx, `DELETE FROM "Import" WHERE id = $1`, [importId]);
    await audit(tx, {
      actor,
      action: 'import.delete',
      targetId: importId,
      before: { fileName: record.fileName, status: record.status, corpusId: record.corpusId, datasetId: record.datasetId, rowsRemoved: removedRows },
    });
  });
  if (parseImportOptions(record.options).state.ownsFile) await rm(record.filePath, { force: true });
}

export type SweepResult = { interrupted: string[]; rolledBack: string[]; abandoned: string[]; orphanFiles: number };

/** Upload files no live import needs (an interrupted upload, a deleted corpus's failed import), once they are an hour old. */
async function removeOrphanUploads(): Promise<number> {
  let names: string[];
  try {
    names = await readdir(uploadsDir());
  } catch {
    return 0;
  }
  const hourAgo = Date.now() - 3_600_000;
  const old: string[] = [];
  for (const name of names) {
    const file = path.join(uploadsDir(), name);
    const info = await stat(file).catch(() => null);
    if (info?.isFile() && info.mtimeMs < hourAgo) old.push(file);
  }
  if (old.length === 0) return 0;
  const needed = await queryRows<{ filePath: string }>(
    pool('imports'),
    `SELECT "filePath" FROM "Import" WHERE "filePath" = ANY($1::text[]) AND status IN ('PENDING', 'RUNNING', 'FAILED')`,
    [old],
  );
  const keep = new Set(needed.map((row) => row.filePath));
  const orphans = old.filter((file) => !keep.has(file));
  for (const file of orphans) await rm(file, { force: true }).catch(() => undefined);
  return orphans.length;
}

/**
 * Makes sure no import looks alive or complete when it is not: RUNNING imports whose runner
 * stopped beating are marked FAILED (interrupted; resumable), cancelled imports whose runner died
 * before cleaning up are rolled back, and uploads never mapped are removed.
 */
export async function markInterruptedImports(options: { staleAfterSeconds?: number } = {}): Promise<SweepResult> {
  const stale = options.staleAfterSeconds ?? staleHeartbeatSeconds;
  const staleSql = `("heartbeatAt" IS NULL OR "heartbeatAt" < ${NOW_UTC} - make_interval(secs => $1))`;
  const silent = await queryRows<{ id: string }>(pool('imports'), `SELECT id FROM "Import" WHERE status = 'RUNNING' AND ${staleSql}`, [stale]);
  // An import whose job is still waiting, retrying or held by a worker pg-boss has not yet given up on is the job's to finish.
  const orphaned: string[] = [];
  for (const { id } of silent) if ((await liveJobCount('import', id)) === 0) orphaned.push(id);
  const interrupted = await queryRows<{ id: string }>(
    pool('imports'),
    `UPDATE "Import" SET status = 'FAILED', "finishedAt" = ${NOW_UTC},
       error = 'Interrupted: the process running this import stopped (crash, restart or kill) before it finished. Resume it to continue after the last saved row, or delete it.',
       options = jsonb_set(jsonb_set(options, '{state,failureKind}', '"interrupted"'), '{state,runToken}', 'null')
     WHERE status = 'RUNNING' AND ${staleSql} AND id = ANY($2::text[])
     RETURNING id`,
    [stale, orphaned],
  );
  const leftovers = await queryRows<{ id: string }>(
    pool('imports'),
    `SELECT id FROM "Import" WHERE status = 'CANCELLED' AND "rowsInserted" > 0
       AND ("heartbeatAt" IS NULL OR "heartbeatAt" < ${NOW_UTC} - make_interval(secs => $1))`,
    [stale],
  );
  for (const { id } of leftovers) await rollbackImportRows(id);
  const abandoned = await queryRows<{ id: string; filePath: string; options: unknown }>(
    pool('imports'),
    `DELETE FROM "Import" WHERE status = 'PENDING' AND "createdAt" < ${NOW_UTC} - make_interval(hours => $1) RETURNING id, "filePath", options`,
    [abandonedUploadHours],
  );
  for (const upload of abandoned) {
    if (parseImportOptions(upload.options).state.ownsFile) await rm(upload.filePath, { force: true }).catch(() => undefined);
  }
  const orphanFiles = await removeOrphanUploads();
  return { interrupted: interrupted.map((row) => row.id), rolledBack: leftovers.map((row) => row.id), abandoned: abandoned.map((row) => row.id), orphanFiles };
}

/** Hands a started or resumed import to the job layer; any worker process runs it (see `runImportJob`). */
export async function queueImport(importId: string, token: string): Promise<void> {
  await sendJob('import', { importId, token }, { singletonKey: importId });
}

/**
 * Takes an import over from an earlier attempt of the same job (whose worker died or lost its
 * job): like `resumeImport`, but for a RUNNING import and without a user. The new token makes
 * every write of the earlier attempt, should it still be alive, fail its ownership guard.
 */
export async function takeOverImport(importId: string, jobToken: string, attemptToken: string): Promise<boolean> {
  return withTransaction(pool('imports'), async (tx) => {
    const [record] = await queryRows<{ status: string; rowsRead: number; options: unknown }>(
      tx,
      `SELECT status::text AS status, "rowsRead", options FROM "Import" WHERE id = $1 FOR UPDATE`,
      [importId],
    );
    if (!record || record.status !== 'RUNNING') return false;
    const { config, state } = parseImportOptions(record.options);
    const owner = state.runToken ?? '';
    if (config === null || (owner !== jobToken && !owner.startsWith(`${jobToken}#`))) return false;
    const options = importOptionsSchema.parse({
      config,
      state: { ...state, phase: state.totalRecords === null ? 'checking' : 'importing', runToken: attemptToken, failureKind: null, rowsAtStart: record.rowsRead },
    });
    await execute(tx, `UPDATE "Import" SET options = $2::jsonb, "heartbeatAt" = ${NOW_UTC} WHERE id = $1`, [importId, JSON.stringify(options)]);
    return true;
  });
}

/**
 * The `import` job: the first attempt runs with the token `beginImport`/`resumeImport` issued;
 * a retry (the worker died) takes over and continues after the last committed row.
 */
export async function runImportJob(job: { importId: string; token: string; retryCount: number }, options: RunOptions = {}): Promise<RunOutcome> {
  let token = job.token;
  if (job.retryCount > 0) {
    token = `${job.token}#${job.retryCount}`;
    if (!(await takeOverImport(job.importId, job.token, token))) return { status: 'LOST' };
  }
  return runImport(job.importId, token, options);
}
