import { authorizeRoute } from '@/lib/actions/authorized-action';
import { listExports } from '@/lib/exporters/jobs';

/** Past and running exports, newest first (polled by the exports page while one is running). */
export async function GET() {
  const auth = await authorizeRoute('exports:read');
  if ('response' in auth) return auth.response;
  return Response.json({ exports: await listExports() }, { headers: { 'Cache-Control': 'no-store' } });
}
