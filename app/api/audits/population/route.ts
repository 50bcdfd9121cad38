import { z } from 'zod';
import { authorizeRoute } from '@/lib/actions/authorized-action';
import { countPopulation } from '@/lib/audit/create';

const querySchema = z.object({
  runIds: z.array(z.string().min(1).max(100)).max(200),
  datasetIds: z.array(z.string().min(1).max(100)).max(200),
});

/** Pairs per (automatic verdict, topic) for the runs and datasets chosen in the create form. */
export async function GET(request: Request) {
  const auth = await authorizeRoute('audits:write');
  if ('response' in auth) return auth.response;
  const params = new URL(request.url).searchParams;
  const parsed = querySchema.safeParse({ runIds: params.getAll('runId'), datasetIds: params.getAll('datasetId') });
  if (!parsed.success) return Response.json({ error: 'Invalid run or dataset ids.' }, { status: 400 });
  if (parsed.data.runIds.length + parsed.data.datasetIds.length === 0) return Response.json({ cells: [] });
  const cells = await countPopulation({ ...parsed.data, topics: [] });
  return Response.json({ cells });
}
