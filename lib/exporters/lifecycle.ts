/**
 * What bundle jobs and direct downloads share: the liveness lock, throttled progress, the split
 * plan and the Export row's life (created → running → completed or failed), each step audited.
 */
import type pg from 'pg';

import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { db, Prisma } from '@/lib/db/client';

import type { SelectionReader } from './query';
import type { ExportSelection, StoredExportRequest } from './request';
import type { ExportProgress, SplitPlan } from './runExport';
import type { ExportFormat } from './types';

export type ExportActor = NonNullable<AuditActor>;

const lockKey = (exportId: string): string => `export:${exportId}`;

/**
 * A running export holds a session advisory lock on its own connection for its whole life, so
 * any process can tell a live export from one whose server died: the lock is free only then.
 */
export async function tryLockExport(client: pg.ClientBase, exportId: string): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey(exportId)]);
  return result.rows[0].locked;
}

export async function unlockExport(client: pg.ClientBase, exportId: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(exportId)]);
}

/** How often progress reaches the database; the list polls every ~1.5 s. */
const PROGRESS_INTERVAL_MS = 1_000;

/** Writes rows read to Export.rowsWritten at most once a second, never blocking the export. */
export function progressReporter(exportId: string): { report(progress: ExportProgress): void; settle(): Promise<void> } {
  let last = 0;
  let chain: Promise<void> = Promise.resolve();
  return {
    report(progress) {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      chain = chain
        .then(async () => {
          await db().export.update({ where: { id: exportId }, data: { rowsWritten: progress.rowsIn } });
        })
        .catch((error: unknown) => console.error(`[exports] progress of ${exportId}: ${String(error)}`));
    },
    settle: () => chain,
  };
}

/**
 * The split as `runExport` takes it. A stratified split needs the exact rows per topic first,
 * which `reader.plan()` counts inside the same snapshot the rows are read from.
 */
export async function splitPlanFor(reader: SelectionReader, selection: ExportSelection): Promise<{ split: SplitPlan; rowsToRead: number | null }> {
  const { split } = selection;
  if (split === null) return { split: { kind: 'none' }, rowsToRead: null };
  if (!split.stratifyByTopic) return { split: { kind: 'hash', seed: split.seed, trainRatio: split.trainRatio, key: 'id' }, rowsToRead: null };
  const plan = await reader.plan();
  return {
    split: { kind: 'stratified', seed: split.seed, trainRatio: split.trainRatio, strataSizes: plan.strata },
    rowsToRead: plan.rowsIn,
  };
}

export type NewExport = {
  request: StoredExportRequest;
  formats: readonly ExportFormat[];
  rowsTotal: number;
  matching: number;
  simulatedMatching: number;
  status: 'QUEUED' | 'RUNNING';
};

function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

/** Inserts the Export row and its `export.create` audit entry in one transaction. */
export async function insertExport(input: NewExport, actor: ExportActor): Promise<string> {
  return db().$transaction(async (tx) => {
    const created = await tx.export.create({
      data: {
        status: input.status,
        request: toJson(input.request),
        formats: [...input.formats],
        rowsTotal: input.rowsTotal,
        counts: toJson({ matching: input.matching, simulatedMatching: input.simulatedMatching }),
        createdById: actor.id,
      },
      select: { id: true },
    });
    await recordAudit(
      {
        actor,
        action: 'export.create',
        targetType: 'Export',
        targetId: created.id,
        after: { ...input.request, formats: input.formats, rowsToRead: input.rowsTotal, simulatedMatching: input.simulatedMatching },
      },
      tx,
    );
    return created.id;
  });
}

export type FinishedExport = {
  rowsExported: number;
  counts: unknown;
  files: unknown;
  filePath: string | null;
  /** What the audit log keeps: counts and every file's SHA-256. */
  audit: Record<string, unknown>;
};

export async function completeExport(exportId: string, finished: FinishedExport, actor: ExportActor): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.export.update({
      where: { id: exportId },
      data: {
        status: 'COMPLETED',
        rowsWritten: finished.rowsExported,
        rowsTotal: finished.rowsExported,
        counts: toJson(finished.counts),
        files: toJson(finished.files),
        filePath: finished.filePath,
        finishedAt: new Date(),
        error: null,
      },
    });
    await recordAudit({ actor, action: 'export.complete', targetType: 'Export', targetId: exportId, after: finished.audit }, tx);
  });
}

export async function failExport(exportId: string, message: string, actor: ExportActor | null): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.export.update({ where: { id: exportId }, data: { status: 'FAILED', error: message, finishedAt: new Date() } });
    await recordAudit({ actor, action: 'export.fail', targetType: 'Export', targetId: exportId, after: { error: message } }, tx);
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
