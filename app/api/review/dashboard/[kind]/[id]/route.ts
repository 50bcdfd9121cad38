import { authorizeRoute } from '@/lib/actions/authorized-action';
import { datasetDashboard, runDashboard } from '@/lib/review/dashboard';
import type { DashboardData } from '@/lib/review/dashboard-types';

const loaders: Record<DashboardData['kind'], (id: string) => Promise<DashboardData | null>> = { run: runDashboard, dataset: datasetDashboard };

/** Dashboard figures, polled by the page while a run or an import is still going. */
export async function GET(_request: Request, { params }: { params: Promise<{ kind: string; id: string }> }) {
  const auth = await authorizeRoute('review:read');
  if ('response' in auth) return auth.response;
  const { kind, id } = await params;
  if (kind !== 'run' && kind !== 'dataset') return Response.json({ error: 'Dashboards exist for runs and datasets.' }, { status: 404 });
  const data = await loaders[kind](id);
  if (!data) return Response.json({ error: `No ${kind} ${id}.` }, { status: 404 });
  return Response.json(data);
}
