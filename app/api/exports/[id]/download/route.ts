import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

import { authorizeRoute } from '@/lib/actions/authorized-action';
import { recordAudit } from '@/lib/audit-log/record';
import { storedExportFile } from '@/lib/exporters/jobs';

/** A finished bundle (default), or its README.md / manifest.json with ?file=, streamed from disk. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('exports:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  const file = await storedExportFile(id, new URL(request.url).searchParams.get('file'));
  if (!file) return Response.json({ error: 'No finished export file by that name.' }, { status: 404 });
  const size = await stat(file.path).then((info) => info.size).catch(() => null);
  if (size === null) return Response.json({ error: 'The export file is gone from the server; export again.' }, { status: 410 });
  await recordAudit({ actor: { id: auth.user.id, email: auth.user.email }, action: 'export.download', targetType: 'Export', targetId: id, after: { file: file.name, bytes: size } });
  const body = Readable.toWeb(createReadStream(file.path)) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(size),
      'Content-Disposition': `attachment; filename="${file.name}"`,
      'Cache-Control': 'no-store',
    },
  });
}
