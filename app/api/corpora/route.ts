import { authorizeRoute } from '@/lib/actions/authorized-action';
import { listCorpora, listDatasets } from '@/lib/importers/corpora';

export const dynamic = 'force-dynamic';

/** Corpora and imported preference datasets, with their counts. */
export async function GET() {
  const auth = await authorizeRoute('corpora:read');
  if ('response' in auth) return auth.response;
  const [corpora, datasets] = await Promise.all([listCorpora(), listDatasets()]);
  return Response.json({ corpora, datasets });
}
