/**
 * Prompt-set files go through the shared upload folder (lib/importers/uploads): the browser sends
 * the file, the server keeps it under a random name and answers with a preview and a suggested
 * mapping; the import action then reads it by that name and removes it.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { importEvalSet, suggestEvalMapping, type EvalSetMappingInput, type ImportEvalSetOptions, type ImportedEvalSet } from '@/lib/eval/sets';
import { ImportFileError, previewFile } from '@/lib/importers';
import { uploadsDir } from '@/lib/importers/uploads';

/** Eval sets are small; a much lower cap than corpora keeps a mistaken upload cheap. */
export const MAX_EVAL_UPLOAD_BYTES = 200 * 1024 * 1024;

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uploadPath(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new UserFacingError('That upload does not exist; upload the file again.');
  return path.join(uploadsDir(), uploadId);
}

export interface EvalUploadPreview {
  uploadId: string;
  fileName: string;
  format: string;
  columns: string[];
  rows: Record<string, string | null>[];
  errors: { line: number; column?: string; reason: string }[];
  suggested: EvalSetMappingInput | null;
}

export async function previewEvalUpload(filePath: string, fileName: string): Promise<EvalUploadPreview> {
  // The preview reads only the first records; the stream is closed here, not left to the collector.
  const stream = createReadStream(filePath);
  try {
    const preview = await previewFile({ stream, fileName }, { rowCount: 5, maxCellChars: 300 });
    return {
      uploadId: path.basename(filePath),
      fileName,
      format: preview.format,
      columns: preview.columns,
      rows: preview.rows,
      errors: preview.errors,
      suggested: suggestEvalMapping(preview.columns),
    };
  } catch (error) {
    if (error instanceof ImportFileError) throw new UserFacingError(error.message);
    throw error;
  } finally {
    stream.destroy();
  }
}

/** Imports an uploaded file and removes it (also when the import fails: the user uploads again). */
export async function importUploadedEvalSet(uploadId: string, fileName: string, options: ImportEvalSetOptions, actor: AuditActor): Promise<ImportedEvalSet> {
  const filePath = uploadPath(uploadId);
  try {
    return await importEvalSet({ stream: createReadStream(filePath), fileName }, options, actor, { fileName });
  } finally {
    await rm(filePath, { force: true });
  }
}
