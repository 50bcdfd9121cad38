import { authorizeRoute } from '@/lib/actions/authorized-action';
import { getAuditProgress } from '@/lib/audit/statistics';
import { auditExists } from '@/lib/audit/queries';

/** Progress per audit and per reviewer (polled by the review page). */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('audits:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  if (!(await auditExists(id))) return Response.json({ error: 'No such audit.' }, { status: 404 });
  const progress = await getAuditProgress(id);
  const mine = progress.reviewers.find((reviewer) => reviewer.reviewerId === auth.user.id);
  return Response.json(
    { items: progress.items, slots: progress.slots, answered: progress.answered, completeItems: progress.completeItems, reviewers: progress.reviewers.length, mine: mine?.answered ?? 0 },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
