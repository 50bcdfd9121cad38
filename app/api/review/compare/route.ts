import { z } from 'zod';
import { authorizeRoute } from '@/lib/actions/authorized-action';
import { compareRunWithDataset } from '@/lib/review/compare';

export const dynamic = 'force-dynamic';

const querySchema = z.object({
  run: z.string().trim().min(1, 'choose a run').max(100),
  dataset: z.string().trim().min(1, 'choose a dataset to compare with').max(100),
  download: z.enum(['0', '1']).default('0'),
});

/**
 * A run's pairs next to an imported reference dataset (topics, refusal share, lengths, embedded
 * source text, duplicates, source overlap) as JSON; `download=1` sends it as a file.
 *
 *   curl -b cookies 'http://host/api/review/compare?run=<runId>&dataset=<datasetId>&download=1'
 */
export async function GET(request: Request) {
  const auth = await authorizeRoute('review:read');
  if ('response' in auth) return auth.response;
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]?.message ?? 'Invalid query.' }, { status: 400 });
  const { run, dataset, download } = parsed.data;
  const result = await compareRunWithDataset(run, dataset);
  if (!result) return Response.json({ error: 'No such run or dataset.' }, { status: 404 });
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (download === '1') {
    const safe = (id: string) => id.replace(/[^\w-]+/g, '_');
    headers['content-disposition'] = `attachment; filename="compare-${safe(run)}-${safe(dataset)}.json"`;
  }
  return new Response(`${JSON.stringify(result, null, 2)}\n`, { headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}
