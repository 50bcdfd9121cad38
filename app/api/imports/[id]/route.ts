import { authorizeRoute } from '@/lib/actions/authorized-action';
import { getImportView } from '@/lib/importers/jobs/queries';

export const dynamic = 'force-dynamic';

/** Progress of one import, polled by the progress view. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('corpora:read');
  if ('response' in auth) return auth.response;
  const view = await getImportView((await params).id);
  if (!view) return Response.json({ error: 'No such import.' }, { status: 404 });
  return Response.json(view, { headers: { 'Cache-Control': 'no-store' } });
}
