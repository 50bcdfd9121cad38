/**
 * Direct downloads: one format, one file, encoded while it is read from the database and sent
 * as it is encoded, so memory stays flat at any size. The Export row and the audit log record
 * it like a bundle, with the row counts and the SHA-256 of exactly the bytes sent.
 */
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';

import { HashingPassThrough } from './hashing';
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
import { pool } from '@/lib/db/pools';
import { SelectionReader } from './query';
import type { StreamRequest } from './request';
import { createRowRouter, PROGRESS_EVERY } from './runExport';
import { exporters, sqlLinesFor } from './registry';
import type { ExportRow } from './types';

export type ExportStream = {
  exportId: string;
  body: Readable;
  fileName: string;
  contentType: string;
};

/** Opens the download; the returned body must be consumed or destroyed (a cancelled download fails the export). */
export async function openExportStream(request: StreamRequest, actor: ExportActor): Promise<ExportStream> {
  const { selection, format } = request;
  const exporter = exporters[format];
  const client = await pool('exports').connect();
  let exportId: string | null = null;
  let locked = false;
  let inTransaction = false;
  const release = async (): Promise<void> => {
    if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
    if (locked && exportId) await unlockExport(client, exportId).catch(() => undefined);
    client.release();
  };

  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    inTransaction = true;
    const reader = new SelectionReader(client, selection);
    const count = await reader.count();
    const wantSplit = request.split !== 'all';
    const plan = wantSplit ? await splitPlanFor(reader, selection) : { split: { kind: 'none' as const }, rowsToRead: null };
    exportId = await insertExport(
      {
        request: { delivery: 'stream', selection, split: request.split, formatOptions: request.formatOptions },
        formats: [format],
        rowsTotal: plan.rowsToRead ?? count.rowsToRead,
        matching: count.matching,
        simulatedMatching: count.simulated,
        status: 'RUNNING',
      },
      actor,
    );
    locked = await tryLockExport(client, exportId);

    const router = createRowRouter({ split: plan.split, dedupInstructions: selection.dedupInstructions, limit: selection.limit });
    const progress = progressReporter(exportId);
    const counts = { rowsIn: 0, duplicatesRemoved: 0, rowsExported: 0, simulated: 0, humanEdited: 0 };
    let sourceClosed: Promise<void> = Promise.resolve();
    // One file: when Postgres builds its lines, the rows need only what the router and the counts below read.
    const lines = sqlLinesFor([format], request.formatOptions);
    async function* selectedRows(): AsyncGenerator<ExportRow> {
      let closed!: () => void;
      sourceClosed = new Promise((resolve) => (closed = resolve));
      try {
        for await (const row of reader.rows({ lines, linesOnly: lines.length > 0 })) {
          if (router.full) break;
          counts.rowsIn++;
          if (counts.rowsIn % PROGRESS_EVERY === 0) progress.report({ rowsIn: counts.rowsIn, rowsExported: counts.rowsExported });
          const split = router.route(row);
          if (split === null) {
            counts.duplicatesRemoved++;
            continue;
          }
          if (wantSplit && split !== request.split) continue;
          counts.rowsExported++;
          if (row.simulated) counts.simulated++;
          if (row.humanEdited) counts.humanEdited++;
          yield row;
        }
      } finally {
        closed();
      }
    }

    const transform = exporter.create({ formatOptions: request.formatOptions });
    const hashing = new HashingPassThrough();
    const suffix = request.split === 'all' ? '' : `-${request.split}`;
    const fileName = `export-${exportId}-${format}${suffix}.${exporter.extension}`;
    const id = exportId;
    const done = pipeline(Readable.from(selectedRows()), transform, hashing).then(() => finished(hashing));
    void done.then(
      async () => {
        await sourceClosed;
        await client.query('COMMIT');
        inTransaction = false;
        await progress.settle();
        const file = {
          name: fileName,
          format,
          ...(wantSplit ? { split: request.split } : {}),
          rows: transform.stats.rowsWritten,
          skippedIncomplete: transform.stats.skippedIncomplete,
          bytes: hashing.bytes,
          sha256: hashing.sha256(),
        };
        await completeExport(
          id,
          {
            rowsExported: transform.stats.rowsWritten,
            counts: { ...counts, incompletePairs: transform.stats.skippedIncomplete },
            files: { bundle: null, files: [file] },
            filePath: null,
            audit: { counts, files: [{ name: file.name, rows: file.rows, sha256: file.sha256 }] },
          },
          actor,
        );
        await release();
      },
      async (error: unknown) => {
        await sourceClosed;
        await release();
        await failExport(id, `Download did not finish: ${errorMessage(error)}`, actor).catch(() => undefined);
      },
    );
    return { exportId, body: hashing, fileName, contentType: exporter.contentType };
  } catch (error) {
    if (exportId) await failExport(exportId, errorMessage(error), actor).catch(() => undefined);
    await release();
    throw error;
  }
}
