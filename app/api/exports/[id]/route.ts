import { authorizeRoute } from '@/lib/actions/authorized-action';
import { getExport } from '@/lib/exporters/jobs';

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('exports:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  const found = await getExport(id);
  if (!found) return Response.json({ error: 'No such export.' }, { status: 404 });
  return Response.json(found, { headers: { 'Cache-Control': 'no-store' } });
}
