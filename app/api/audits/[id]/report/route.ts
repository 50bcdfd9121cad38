import { authorizeRoute } from '@/lib/actions/authorized-action';
import { auditReportMarkdown, buildAuditReport } from '@/lib/audit/report';
import { auditExists } from '@/lib/audit/queries';

const formats = {
  json: { type: 'application/json; charset=utf-8', extension: 'json', body: (report: Awaited<ReturnType<typeof buildAuditReport>>) => `${JSON.stringify(report, null, 2)}\n` },
  md: { type: 'text/markdown; charset=utf-8', extension: 'md', body: auditReportMarkdown },
} as const;

/** The audit report as a download: ?format=json (default) or ?format=md. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('audits:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  const requested = new URL(request.url).searchParams.get('format') ?? 'json';
  if (requested !== 'json' && requested !== 'md') return Response.json({ error: 'format must be json or md.' }, { status: 400 });
  if (!(await auditExists(id))) return Response.json({ error: 'No such audit.' }, { status: 404 });
  const format = formats[requested];
  const report = await buildAuditReport(id);
  return new Response(format.body(report), {
    headers: {
      'Content-Type': format.type,
      'Content-Disposition': `attachment; filename="audit-${id}.${format.extension}"`,
      'Cache-Control': 'no-store',
    },
  });
}
