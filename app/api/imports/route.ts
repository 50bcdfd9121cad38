import { authorizeRoute } from '@/lib/actions/authorized-action';
import { listImports } from '@/lib/importers/jobs/queries';

export const dynamic = 'force-dynamic';

/** Recent imports (not the uploads still waiting for a mapping). */
export async function GET() {
  const auth = await authorizeRoute('corpora:read');
  if ('response' in auth) return auth.response;
  return Response.json({ imports: await listImports({ limit: 50 }) });
}
