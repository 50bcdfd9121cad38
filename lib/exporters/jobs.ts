/**
 * Bundle exports: an Export row, a job that streams the selection once into every format and
 * split under DATA_DIR/exports/<id>/ and zips them with the card and manifest. Exports over
 * BACKGROUND_EXPORT_ROWS rows are `export` jobs that any worker process runs; the advisory lock a
 * running export holds tells a live export from one whose worker died.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';

import packageJson from '@/package.json';
import { buildAuditReport } from '@/lib/audit/report';
import { db } from '@/lib/db/client';
import { UserFacingError } from '@/lib/errors';
import { liveJobCount, sendJob } from '@/lib/jobs/send';
import { dataDir } from '@/lib/runtime/data-dir';

import {
  completeExport,
  errorMessage,
  failExport,
  insertExport,
  progressReporter,
  splitPlanFor,
  tryLockExport,
  unlockExport,
  type ExportActor,
} from './lifecycle';
import type { CardAudit } from './card';
import type { JsonValue } from './manifest';
import { pool } from '@/lib/db/pools';
import { loadProvenance } from './provenance';
import { SelectionReader, withSnapshot, type SelectionCount } from './query';
import {
  BACKGROUND_EXPORT_ROWS,
  exportCountsSchema,
  exportFilesSchema,
  storedExportRequestSchema,
  type BundleRequest,
  type ExportCounts,
  type ExportFiles,
  type ExportSelection,
} from './request';
import { CARD_FILE, makePrivateDir, MANIFEST_FILE, runExport, type RunExportResult } from './runExport';
import { sqlLinesFor } from './registry';
import { EXPORT_FORMATS, type ExportFormat } from './types';

export function exportsRoot(): string {
  return path.join(dataDir(), 'exports');
}

export function exportDir(exportId: string): string {
  return path.join(exportsRoot(), exportId);
}

export const bundleFileName = (exportId: string): string => `export-${exportId}.zip`;

/** Matching rows (before dedup) and what an export of them reads at most. */
export async function countSelection(selection: ExportSelection): Promise<SelectionCount> {
  const client = await pool('exports').connect();
  try {
    return await new SelectionReader(client, selection).count();
  } finally {
    client.release();
  }
}

export type CreatedExport = { id: string; background: boolean; status: 'RUNNING' | 'COMPLETED' | 'FAILED'; error: string | null };

/**
 * Records the export and runs it: at once for small selections (the caller waits, then links the
 * file), in the background over BACKGROUND_EXPORT_ROWS rows (the caller polls the Export row).
 */
export async function createBundleExport(
  request: BundleRequest,
  actor: ExportActor,
  options: { background?: 'auto' | 'always' | 'never'; cardSections?: CardSectionSources } = {},
): Promise<CreatedExport> {
  const count = await countSelection(request.selection);
  if (count.matching === 0) throw new UserFacingError('No pairs match this selection; widen the sources, topics or statuses.');
  const id = await insertExport(
    {
      request: { delivery: 'bundle', selection: request.selection, card: request.card, formatOptions: request.formatOptions },
      formats: request.formats,
      rowsTotal: count.rowsToRead,
      matching: count.matching,
      simulatedMatching: count.simulated,
      status: 'QUEUED',
    },
    actor,
  );
  const mode = options.background ?? 'auto';
  const background = mode === 'always' || (mode === 'auto' && count.rowsToRead > BACKGROUND_EXPORT_ROWS);
  if (background) {
    await startBundleJob(id, actor);
    return { id, background, status: 'RUNNING', error: null };
  }
  try {
    await runBundleJob(id, actor, options.cardSections);
    return { id, background, status: 'COMPLETED', error: null };
  } catch (error) {
    // Already recorded on the Export row and in the audit log; the list shows it.
    return { id, background, status: 'FAILED', error: errorMessage(error) };
  }
}

/** Hands the export to the job layer; any worker process writes the bundle (`runBundleJob`). */
export async function startBundleJob(exportId: string, actor: ExportActor): Promise<void> {
  await sendJob('export', { exportId, actor: { id: actor.id, email: actor.email } }, { singletonKey: exportId });
}

/**
 * Claims the export (lock, then QUEUED → RUNNING) and writes its bundle. A RUNNING export whose
 * lock is free lost its worker: the job's retry claims it again and starts the bundle afresh.
 * Returns without doing anything when another process holds it or it has finished.
 */
/**
 * Where the card's optional sections come from. The exporters sit below the domains they can
 * report on (evaluations), so the caller — an action or the worker's handler — passes them in.
 */
export type CardSectionSources = { evaluation?: (evaluationId: string) => Promise<string> };

async function extraCardSections(card: { evaluationId?: string }, sources: CardSectionSources): Promise<string[]> {
  if (!card.evaluationId) return [];
  if (!sources.evaluation) throw new Error('This export asks for an evaluation section, but no evaluation source was given.');
  return [await sources.evaluation(card.evaluationId)];
}

export async function runBundleJob(exportId: string, actor: ExportActor, cardSections: CardSectionSources = {}): Promise<void> {
  const client = await pool('exports').connect();
  let locked = false;
  try {
    locked = await tryLockExport(client, exportId);
    if (!locked) return;
    const claimed = await db().export.updateMany({ where: { id: exportId, status: { in: ['QUEUED', 'RUNNING'] } }, data: { status: 'RUNNING', error: null } });
    if (claimed.count === 0) return;
    const row = await db().export.findUniqueOrThrow({ where: { id: exportId }, select: { request: true, formats: true } });
    const dir = exportDir(exportId);
    try {
      const request = storedExportRequestSchema.parse(row.request);
      if (request.delivery !== 'bundle') throw new Error('not a bundle export');
      const formats = row.formats.map((format) => parseFormat(format));
      await rm(dir, { recursive: true, force: true });
      await makePrivateDir(exportsRoot());
      const progress = progressReporter(exportId);
      const result = await withSnapshot(client, async () => {
        const reader = new SelectionReader(client, request.selection);
        const { split, rowsToRead } = await splitPlanFor(reader, request.selection);
        if (rowsToRead !== null) await db().export.update({ where: { id: exportId }, data: { rowsTotal: rowsToRead } });
        const names = await reader.sourceNames();
        const provenance = await loadProvenance(await reader.runIds(), [...names.datasets.keys()]);
        const audit = await auditStatisticsFor(await reader.auditIds());
        return runExport(
          reader.rows({ lines: sqlLinesFor(formats, request.formatOptions) }),
          {
            formats,
            formatOptions: request.formatOptions,
            split,
            dedupInstructions: request.selection.dedupInstructions,
            limit: request.selection.limit,
            recipe: provenance.recipe,
            recipeVersions: provenance.recipeVersions,
            card: {
              prettyName: request.card.title,
              license: request.card.license,
              language: request.card.language,
              sourceDescriptions: provenance.sourceDescriptions,
              audit,
              access: { licenseName: request.card.licenseName, licenseLink: request.card.licenseLink, gated: request.card.gatedAccess },
              extraSections: await extraCardSections(request.card, cardSections),
            },
            appVersion: packageJson.version,
            selection: request.selection as unknown as JsonValue,
            bundle: { name: bundleFileName(exportId) },
            onProgress: (value) => progress.report(value),
          },
          dir,
        );
      });
      await progress.settle();
      await removeLooseDataFiles(dir, result);
      await completeExport(exportId, bundleOutcome(result), actor);
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      await failExport(exportId, errorMessage(error), actor);
      throw error;
    }
  } finally {
    if (locked) await unlockExport(client, exportId).catch(() => undefined);
    client.release();
  }
}

/**
 * Precision and agreement for the card come from the audit report when exactly one audit sampled
 * the exported pairs; with several, whose populations differ, the card gives only the
 * accepted/rejected counts of the exported rows (Pair.auditOutcome).
 */
async function auditStatisticsFor(auditIds: readonly string[]): Promise<Pick<CardAudit, 'precision' | 'agreement'> | undefined> {
  if (auditIds.length !== 1) return undefined;
  const report = await buildAuditReport(auditIds[0]);
  return { precision: report.card.precision, agreement: report.card.agreement };
}

function parseFormat(format: string): ExportFormat {
  const known = EXPORT_FORMATS.find((candidate) => candidate === format);
  if (!known) throw new Error(`unknown export format ${JSON.stringify(format)}`);
  return known;
}

/** The .zip holds the data files; only it, the card and the manifest stay on disk. */
async function removeLooseDataFiles(dir: string, result: RunExportResult): Promise<void> {
  const formats = new Set(result.files.map((file) => file.format).filter((format) => format !== undefined));
  for (const format of formats) await rm(path.join(dir, format), { recursive: true, force: true });
}

function bundleOutcome(result: RunExportResult): Parameters<typeof completeExport>[1] {
  const files: ExportFiles = {
    bundle: result.bundle && { name: result.bundle.name, bytes: result.bundle.bytes, sha256: result.bundle.sha256 },
    files: result.files.map(({ path: _path, ...file }) => file),
  };
  return {
    rowsExported: result.counts.rowsExported,
    counts: result.counts,
    files,
    filePath: result.bundle?.path ?? null,
    audit: { counts: result.counts, files: files.files.map(({ name, rows, sha256 }) => ({ name, rows, sha256 })), bundle: files.bundle },
  };
}

/** A QUEUED export younger than this may still be about to take its lock. */
const QUEUED_GRACE_MS = 60_000;

/**
 * Marks exports whose process died (no one holds their lock) and whose job pg-boss has given up
 * on (or that never had one) as failed, so they do not spin forever. The `exportSweep` schedule runs it.
 */
export async function reapInterruptedExports(): Promise<number> {
  const open = await db().export.findMany({ where: { status: { in: ['QUEUED', 'RUNNING'] } }, select: { id: true, status: true, createdAt: true } });
  const candidates: typeof open = [];
  for (const row of open) {
    if (row.status === 'QUEUED' && Date.now() - row.createdAt.getTime() <= QUEUED_GRACE_MS) continue;
    if ((await liveJobCount('export', row.id)) === 0) candidates.push(row);
  }
  if (candidates.length === 0) return 0;
  const client = await pool('exports').connect();
  let reaped = 0;
  try {
    for (const candidate of candidates) {
      if (!(await tryLockExport(client, candidate.id))) continue;
      try {
        const failed = await db().export.updateMany({
          where: { id: candidate.id, status: candidate.status },
          data: { status: 'FAILED', error: 'Interrupted: the server stopped while this export was running. Start it again.', finishedAt: new Date() },
        });
        reaped += failed.count;
      } finally {
        await unlockExport(client, candidate.id);
      }
    }
  } finally {
    client.release();
  }
  return reaped;
}

export type ExportSummary = {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  delivery: 'bundle' | 'stream';
  formats: string[];
  selection: ExportSelection | null;
  streamSplit: string | null;
  rowsWritten: number;
  rowsTotal: number | null;
  counts: ExportCounts | null;
  files: ExportFiles | null;
  /** True when simulated pairs were (or, while running, are about to be) exported. */
  simulated: boolean;
  downloadable: boolean;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
};

type ExportRecord = Awaited<ReturnType<typeof findExports>>[number];

function findExports(where: { id?: string }, take: number) {
  return db().export.findMany({ where, orderBy: { createdAt: 'desc' }, take });
}

function summarise(row: ExportRecord, emails: ReadonlyMap<string, string>): ExportSummary {
  const request = storedExportRequestSchema.safeParse(row.request);
  const counts = exportCountsSchema.safeParse(row.counts);
  const files = exportFilesSchema.safeParse(row.files);
  const countValues = counts.success ? counts.data : null;
  const simulated = countValues ? (countValues.simulated ?? countValues.simulatedMatching ?? 0) > 0 : false;
  return {
    id: row.id,
    status: row.status,
    delivery: request.success ? request.data.delivery : 'bundle',
    formats: row.formats,
    selection: request.success ? request.data.selection : null,
    streamSplit: request.success && request.data.delivery === 'stream' ? request.data.split : null,
    rowsWritten: row.rowsWritten,
    rowsTotal: row.rowsTotal,
    counts: countValues,
    files: files.success ? files.data : null,
    simulated,
    downloadable: row.status === 'COMPLETED' && row.filePath !== null,
    error: row.error,
    createdBy: row.createdById ? (emails.get(row.createdById) ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

async function creatorEmails(rows: readonly ExportRecord[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.map((row) => row.createdById).filter((id): id is string => id !== null))];
  const users = ids.length ? await db().user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } }) : [];
  return new Map(users.map((user) => [user.id, user.email]));
}

/** The newest exports. */
export async function listExports(take = 50): Promise<ExportSummary[]> {
  const rows = await findExports({}, take);
  const emails = await creatorEmails(rows);
  return rows.map((row) => summarise(row, emails));
}

export async function getExport(exportId: string): Promise<ExportSummary | null> {
  const rows = await findExports({ id: exportId }, 1);
  if (rows.length === 0) return null;
  return summarise(rows[0], await creatorEmails(rows));
}

export type StoredFile = { path: string; name: string; contentType: string };

const SIDE_FILES: Record<string, string> = {
  [CARD_FILE]: 'text/markdown; charset=utf-8',
  [MANIFEST_FILE]: 'application/json; charset=utf-8',
};

/** The bundle (default) or its README.md / manifest.json of a completed export, or null. */
export async function storedExportFile(exportId: string, file: string | null): Promise<StoredFile | null> {
  const row = await db().export.findUnique({ where: { id: exportId }, select: { status: true, filePath: true } });
  if (!row || row.status !== 'COMPLETED' || row.filePath === null) return null;
  if (file === null) return { path: row.filePath, name: path.basename(row.filePath), contentType: 'application/zip' };
  const contentType = SIDE_FILES[file];
  if (!contentType) return null;
  return { path: path.join(path.dirname(row.filePath), file), name: file, contentType };
}
