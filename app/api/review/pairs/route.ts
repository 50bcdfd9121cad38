import { authorizeRoute } from '@/lib/actions/authorized-action';
import { parsePairQuery } from '@/lib/review/filters';
import { listPairsFor } from '@/lib/review/list';

/** One keyset page of pairs for the review views; the filters are the page's URL parameters. */
export async function GET(request: Request) {
  const auth = await authorizeRoute('review:read');
  if ('response' in auth) return auth.response;
  const parsed = parsePairQuery(new URL(request.url).searchParams);
  if (!parsed.ok) return Response.json({ error: parsed.error }, { status: 400 });
  return Response.json(await listPairsFor(auth.user, parsed.query));
}
