import { authorizeRoute } from '@/lib/actions/authorized-action';
import { computeAuditStatistics, getAuditProgress } from '@/lib/audit/statistics';
import { auditExists } from '@/lib/audit/queries';

/** Live statistics and progress for the audit page (polled). */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('audits:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  if (!(await auditExists(id))) return Response.json({ error: 'No such audit.' }, { status: 404 });
  const [{ overview, statistics }, progress] = await Promise.all([computeAuditStatistics(id), getAuditProgress(id)]);
  return Response.json({ status: overview.status, statistics, progress }, { headers: { 'Cache-Control': 'no-store' } });
}
