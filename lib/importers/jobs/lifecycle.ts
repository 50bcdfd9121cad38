import { randomUUID } from 'node:crypto';
import { access, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { db, type Prisma } from '@/lib/db/client';
import { UserFacingError } from '@/lib/errors';

import { formatFromFileName } from '../detect';
import { uploadsDir } from '../uploads';
import { importKindOf, importOptionsSchema, importStateSchema, parseImportOptions, type ImportConfig, type ImportOptions } from './config';
import { rollbackImportRows, runImport, type RunOptions, type RunOutcome } from './runner';
import { utcNowSql } from './targets';

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

async function lockImport(tx: Prisma.TransactionClient, importId: string): Promise<LockedImport> {
  const rows = await tx.$queryRawUnsafe<LockedImport[]>(
    `SELECT id, status::text AS status, "fileName", "filePath", "corpusId", "datasetId", "rowsRead", "rowsInserted", options,
       ("heartbeatAt" IS NULL OR "heartbeatAt" < ${utcNowSql} - make_interval(secs => $2)) AS stale
     FROM "Import" WHERE id = $1 FOR UPDATE`,
    importId,
    staleHeartbeatSeconds,
  );
  if (rows.length === 0) throw new UserFacingError('This import no longer exists.');
  return rows[0];
}

function toJson(options: ImportOptions): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(options)) as Prisma.InputJsonValue;
}

/** One import at a time per corpus: two runners inserting the same texts would wait on each other. */
async function assertCorpusIdle(tx: Prisma.TransactionClient, corpusId: string, exceptImportId: string): Promise<void> {
  const running = await tx.import.findFirst({ where: { corpusId, status: 'RUNNING', id: { not: exceptImportId } }, select: { fileName: true } });
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
  return db().import.create({
    data: {
      kind: 'CORPUS',
      status: 'PENDING',
      fileName: input.fileName,
      filePath: input.filePath,
      fileBytes: BigInt(input.fileBytes),
      format: formatFromFileName(input.fileName) ?? 'unknown',
      options: toJson({ config: null, state }),
      createdById: input.createdById,
    },
    select: { id: true },
  });
}

/** Settles the mapping and puts the import in RUNNING; returns the token its runner must present. */
export async function beginImport(importId: string, config: ImportConfig, actor: AuditActor): Promise<{ token: string }> {
  return db().$transaction(async (tx) => {
    const record = await lockImport(tx, importId);
    if (record.status !== 'PENDING') throw new UserFacingError('This import has already been started.');
    const { state } = parseImportOptions(record.options);
    let targetName: string;
    let corpusId: string | null = null;
    const target = config.target;
    if (target.mode === 'existing') {
      const corpus = await tx.corpus.findUnique({ where: { id: target.corpusId }, select: { id: true, name: true } });
      if (!corpus) throw new UserFacingError('The corpus to import into no longer exists.');
      await assertCorpusIdle(tx, corpus.id, importId);
      targetName = corpus.name;
      corpusId = corpus.id;
    } else {
      targetName = target.name;
    }
    const token = randomUUID();
    const options = importOptionsSchema.parse({ config, state: { ...state, phase: 'checking', runToken: token, targetName, rowsAtStart: 0, failureKind: null } });
    const now = new Date();
    await tx.import.update({
      where: { id: importId },
      data: { status: 'RUNNING', kind: importKindOf[config.kind], options: toJson(options), corpusId, startedAt: now, heartbeatAt: now, error: null },
    });
    await recordAudit(
      {
        actor,
        action: 'import.start',
        targetType: 'Import',
        targetId: importId,
        after: { fileName: record.fileName, kind: config.kind, target: config.target, mapping: config.mapping, onRowError: config.onRowError, maxTextLength: config.maxTextLength },
      },
      tx,
    );
    return { token };
  });
}

/** Continues a FAILED (interrupted) import after its last committed row. */
export async function resumeImport(importId: string, actor: AuditActor): Promise<{ token: string }> {
  return db().$transaction(async (tx) => {
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
    const now = new Date();
    await tx.import.update({
      where: { id: importId },
      data: { status: 'RUNNING', options: toJson(options), startedAt: now, heartbeatAt: now, finishedAt: null, error: null },
    });
    await recordAudit({ actor, action: 'import.resume', targetType: 'Import', targetId: importId, before: { rowsRead: record.rowsRead } }, tx);
    return { token };
  });
}

/** Stops a running import; its runner removes what it stored (nothing stays of a cancelled import). */
export async function cancelImport(importId: string, actor: AuditActor): Promise<void> {
  const outcome = await db().$transaction(async (tx) => {
    const record = await lockImport(tx, importId);
    if (record.status !== 'PENDING' && record.status !== 'RUNNING') throw new UserFacingError('Only a pending or running import can be cancelled.');
    await tx.import.update({
      where: { id: importId },
      data: { status: 'CANCELLED', finishedAt: new Date(), error: `Cancelled by ${actor?.email ?? 'the command line'}; nothing was stored.` },
    });
    await recordAudit({ actor, action: 'import.cancel', targetType: 'Import', targetId: importId, before: { status: record.status, rowsInserted: record.rowsInserted } }, tx);
    return { record, state: parseImportOptions(record.options).state };
  });
  // No runner will clean up after a pending import, nor after one whose runner is gone.
  if (outcome.record.status === 'PENDING' && outcome.state.ownsFile) await rm(outcome.record.filePath, { force: true });
  if (outcome.record.status === 'RUNNING' && outcome.record.stale) await rollbackImportRows(importId);
}

/** Removes an import that is not running, with the rows it stored and its report. */
export async function deleteImport(importId: string, actor: AuditActor): Promise<void> {
  const record = await db().$transaction(async (tx) => {
    const locked = await lockImport(tx, importId);
    if (locked.status === 'RUNNING') throw new UserFacingError('This import is running; cancel it first.');
    return locked;
  });
  const removedRows = await rollbackImportRows(importId);
  await db().$transaction(async (tx) => {
    await tx.import.deleteMany({ where: { id: importId } });
    await recordAudit(
      {
        actor,
        action: 'import.delete',
        targetType: 'Import',
        targetId: importId,
        before: { fileName: record.fileName, status: record.status, corpusId: record.corpusId, datasetId: record.datasetId, rowsRemoved: removedRows },
      },
      tx,
    );
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
  const needed = await db().import.findMany({
    where: { filePath: { in: old }, status: { in: ['PENDING', 'RUNNING', 'FAILED'] } },
    select: { filePath: true },
  });
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
  const interrupted = await db().$queryRawUnsafe<{ id: string }[]>(
    `UPDATE "Import" SET status = 'FAILED', "finishedAt" = ${utcNowSql},
       error = 'Interrupted: the process running this import stopped (crash, restart or kill) before it finished. Resume it to continue after the last saved row, or delete it.',
       options = jsonb_set(jsonb_set(options, '{state,failureKind}', '"interrupted"'), '{state,runToken}', 'null')
     WHERE status = 'RUNNING' AND ("heartbeatAt" IS NULL OR "heartbeatAt" < ${utcNowSql} - make_interval(secs => $1))
     RETURNING id`,
    stale,
  );
  const leftovers = await db().$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM "Import" WHERE status = 'CANCELLED' AND "rowsInserted" > 0
       AND ("heartbeatAt" IS NULL OR "heartbeatAt" < ${utcNowSql} - make_interval(secs => $1))`,
    stale,
  );
  for (const { id } of leftovers) await rollbackImportRows(id);
  const abandoned = await db().$queryRawUnsafe<{ id: string; filePath: string; options: unknown }[]>(
    `DELETE FROM "Import" WHERE status = 'PENDING' AND "createdAt" < ${utcNowSql} - make_interval(hours => $1) RETURNING id, "filePath", options`,
    abandonedUploadHours,
  );
  for (const upload of abandoned) {
    if (parseImportOptions(upload.options).state.ownsFile) await rm(upload.filePath, { force: true }).catch(() => undefined);
  }
  const orphanFiles = await removeOrphanUploads();
  return { interrupted: interrupted.map((row) => row.id), rolledBack: leftovers.map((row) => row.id), abandoned: abandoned.map((row) => row.id), orphanFiles };
}

type ProcessState = { runners: Map<string, Promise<RunOutcome>>; lastSweep: number; sweeper: NodeJS.Timeout | null };
const processState = ((globalThis as unknown as { studioImports?: ProcessState }).studioImports ??= {
  runners: new Map(),
  lastSweep: 0,
  sweeper: null,
});

/** The sweep for request paths: at most once per 10 s per process, and never failing the request. */
export async function sweepImportsLazily(): Promise<void> {
  if (Date.now() - processState.lastSweep < 10_000) return;
  processState.lastSweep = Date.now();
  await markInterruptedImports().catch((error: unknown) => console.error('[imports] sweep failed:', error));
}

/** Periodic sweep for a long-running server process (call once at start). */
export function startImportSweeper(intervalMs = 15_000): () => void {
  if (!processState.sweeper) {
    processState.sweeper = setInterval(() => void sweepImportsLazily(), intervalMs);
    processState.sweeper.unref?.();
    void sweepImportsLazily();
  }
  return () => {
    if (processState.sweeper) clearInterval(processState.sweeper);
    processState.sweeper = null;
  };
}

/**
 * Runs an import in the background of this process (fire and forget): the outcome is saved on
 * the import row, and the heartbeat plus the sweep turn a dead process into FAILED, never into
 * an import that looks complete.
 */
export function launchImport(importId: string, token: string, options: RunOptions = {}): void {
  if (processState.runners.has(importId)) return;
  const run = runImport(importId, token, options)
    .catch((error: unknown): RunOutcome => {
      console.error(`[imports] import ${importId} failed:`, error);
      return { status: 'LOST' };
    })
    .finally(() => processState.runners.delete(importId));
  processState.runners.set(importId, run);
}

/** For tests and the sample loader: the background run of an import, if this process has one. */
export function runningImport(importId: string): Promise<RunOutcome> | null {
  return processState.runners.get(importId) ?? null;
}
