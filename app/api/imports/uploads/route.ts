import { rm } from 'node:fs/promises';

import { authorizeRoute } from '@/lib/actions/authorized-action';
import { createImport } from '@/lib/importers/jobs/lifecycle';
import { cleanFileName, maxUploadBytes, saveUpload, UploadTooLargeError } from '@/lib/importers/uploads';

export const dynamic = 'force-dynamic';

function decodedFileName(header: string | null): string {
  try {
    return cleanFileName(header === null ? null : decodeURIComponent(header));
  } catch {
    return cleanFileName(header);
  }
}

/**
 * The raw file as the request body (not a form, not a server action), streamed to disk: no size
 * limit below 2 GB, and none of it held in memory. Answers with the new PENDING import to map.
 */
export async function POST(request: Request) {
  const auth = await authorizeRoute('corpora:write');
  if ('response' in auth) return auth.response;

  const declared = request.headers.get('content-length');
  const size = declared === null ? null : Number(declared);
  if (size !== null && Number.isFinite(size) && size > maxUploadBytes) {
    return Response.json({ error: new UploadTooLargeError(maxUploadBytes, size).message }, { status: 413 });
  }
  if (!request.body || size === 0) return Response.json({ error: 'The file is empty.' }, { status: 400 });

  let saved: { filePath: string; bytes: number };
  try {
    saved = await saveUpload(request.body);
  } catch (error) {
    if (error instanceof UploadTooLargeError) return Response.json({ error: error.message }, { status: 413 });
    return Response.json({ error: 'The upload was interrupted; try again.' }, { status: 400 });
  }
  if (saved.bytes === 0) {
    await rm(saved.filePath, { force: true });
    return Response.json({ error: 'The file is empty.' }, { status: 400 });
  }
  const { id } = await createImport({
    filePath: saved.filePath,
    fileName: decodedFileName(request.headers.get('x-file-name')),
    fileBytes: saved.bytes,
    ownsFile: true,
    createdById: auth.user.id,
  });
  return Response.json({ importId: id, bytes: saved.bytes }, { status: 201 });
}
