import { z } from 'zod';

import { authorizeRoute } from '@/lib/actions/authorized-action';
import { getImportView, reportFormats, streamRowErrors, type ReportFormat } from '@/lib/importers/jobs/queries';

export const dynamic = 'force-dynamic';

const contentTypes: Record<ReportFormat, string> = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' };

/** The import report (row errors with line, column, reason) as a CSV or JSONL download. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('corpora:read');
  if ('response' in auth) return auth.response;
  const format = z.enum(reportFormats).safeParse(new URL(request.url).searchParams.get('format') ?? 'csv');
  if (!format.success) return Response.json({ error: `format must be one of ${reportFormats.join(', ')}` }, { status: 400 });
  const { id } = await params;
  const view = await getImportView(id);
  if (!view) return Response.json({ error: 'No such import.' }, { status: 404 });
  const baseName = view.fileName.replace(/[^\w.-]+/g, '_').replace(/\.[^.]*$/, '') || 'import';
  const lines = streamRowErrors(id, format.data);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': contentTypes[format.data],
      'Content-Disposition': `attachment; filename="${baseName}-report.${format.data}"`,
      'Cache-Control': 'no-store',
    },
  });
}
