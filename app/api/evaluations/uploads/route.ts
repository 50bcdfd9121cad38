import { rm } from 'node:fs/promises';
import { authorizeRoute } from '@/lib/actions/authorized-action';
import { UserFacingError } from '@/lib/errors';
import { MAX_EVAL_UPLOAD_BYTES, previewEvalUpload } from '@/lib/eval/uploads';
import { cleanFileName, saveUpload, UploadTooLargeError } from '@/lib/importers/uploads';

export const dynamic = 'force-dynamic';

/** The raw prompt-set file as the request body; answers with a preview and a suggested mapping. */
export async function POST(request: Request) {
  const auth = await authorizeRoute('evals:write');
  if ('response' in auth) return auth.response;
  if (!request.body) return Response.json({ error: 'The file is empty.' }, { status: 400 });
  let fileName = 'upload';
  try {
    fileName = cleanFileName(decodeURIComponent(request.headers.get('x-file-name') ?? 'upload'));
  } catch {
    fileName = cleanFileName(request.headers.get('x-file-name'));
  }
  let saved: { filePath: string; bytes: number };
  try {
    saved = await saveUpload(request.body, { maxBytes: MAX_EVAL_UPLOAD_BYTES });
  } catch (error) {
    if (error instanceof UploadTooLargeError) return Response.json({ error: error.message }, { status: 413 });
    return Response.json({ error: 'The upload was interrupted; try again.' }, { status: 400 });
  }
  if (saved.bytes === 0) {
    await rm(saved.filePath, { force: true });
    return Response.json({ error: 'The file is empty.' }, { status: 400 });
  }
  try {
    return Response.json(await previewEvalUpload(saved.filePath, fileName), { status: 201 });
  } catch (error) {
    await rm(saved.filePath, { force: true });
    if (error instanceof UserFacingError) return Response.json({ error: error.message }, { status: 400 });
    throw error;
  }
}
