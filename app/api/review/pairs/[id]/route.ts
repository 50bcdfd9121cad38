import { authorizeRoute } from '@/lib/actions/authorized-action';
import { getPairDetail } from '@/lib/review/detail';

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('review:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  if (!/^\d{1,18}$/.test(id)) return Response.json({ error: 'Not a pair id.' }, { status: 400 });
  const detail = await getPairDetail(BigInt(id), auth.user);
  if (!detail) return Response.json({ error: `Pair ${id} does not exist.` }, { status: 404 });
  return Response.json(detail);
}
