import { authorizeRoute } from '@/lib/actions/authorized-action';
import { getRunProgress } from '@/lib/pipeline/progress';

export const dynamic = 'force-dynamic';

/** Live progress of a run, polled by the run page. */
export async function GET(_request: Request, context: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('runs:read');
  if ('response' in auth) return auth.response;
  const { id } = await context.params;
  const progress = await getRunProgress(id);
  if (!progress) return Response.json({ error: 'No such run.' }, { status: 404 });
  return Response.json(progress, { headers: { 'cache-control': 'no-store' } });
}
