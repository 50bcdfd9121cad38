import { Readable } from 'node:stream';

import { authorizeRoute } from '@/lib/actions/authorized-action';
import { streamRequestSchema } from '@/lib/exporters/request';
import { openExportStream } from '@/lib/exporters/stream';

/**
 * Direct download of one format, streamed from the database as it is encoded (any size, flat
 * memory). `?request=` carries the JSON of a StreamRequest: { selection, format, split }.
 */
export async function GET(request: Request) {
  const auth = await authorizeRoute('exports:write');
  if ('response' in auth) return auth.response;
  let raw: unknown;
  try {
    raw = JSON.parse(new URL(request.url).searchParams.get('request') ?? '');
  } catch {
    return Response.json({ error: 'request must be the JSON of an export request.' }, { status: 400 });
  }
  const parsed = streamRequestSchema.safeParse(raw);
  if (!parsed.success) return Response.json({ error: 'Invalid export request.', issues: parsed.error.issues }, { status: 400 });
  const stream = await openExportStream(parsed.data, { id: auth.user.id, email: auth.user.email });
  // A cancelled download cancels this stream, which destroys the pipeline and fails the export.
  const body = Readable.toWeb(stream.body) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'Content-Type': stream.contentType,
      'Content-Disposition': `attachment; filename="${stream.fileName}"`,
      'Cache-Control': 'no-store',
      'X-Export-Id': stream.exportId,
    },
  });
}
