import { z } from 'zod';
import { authorizeRoute } from '@/lib/actions/authorized-action';
import { recordAudit } from '@/lib/audit-log/record';
import { emptySummary, readableFromLines, reversedJsonlLines, streamChunks } from '@/lib/pipeline/reversed-download';
import { formatBytes } from '@/lib/importers/format-bytes';
import { defaultReversedDataLimits } from '@/lib/pipeline/reversed-data';

export const dynamic = 'force-dynamic';

const optionsSchema = z.object({
  format: z.enum(['auto', 'alpaca', 'sharegpt']).default('auto'),
  container: z.enum(['auto', 'jsonl', 'json-array']).default('auto'),
  name: z
    .string()
    .max(200)
    .default('dataset')
    .transform((name) => name.replace(/\.(jsonl?|json)$/i, '').replace(/[^\w.-]+/g, '_') || 'dataset'),
});

/**
 * Reversed-tuning data: the request body is an Alpaca or ShareGPT dataset (JSON array or JSONL),
 * the response streams the flipped training file (JSONL of {prompt, completion}). Records that
 * cannot be read are left out; the page checks the file first and lists them. The importers' limits
 * apply: the file size (413 when declared, otherwise the stream stops there) and one record's length.
 *
 *   curl -b cookies --data-binary @alpaca.json 'http://host/api/runs/reversed-data?format=alpaca' > reversed.jsonl
 */
export async function POST(request: Request) {
  const auth = await authorizeRoute('runs:write');
  if ('response' in auth) return auth.response;
  const url = new URL(request.url);
  const parsed = optionsSchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return Response.json({ error: parsed.error.issues[0]?.message ?? 'Invalid options.' }, { status: 400 });
  if (!request.body) return Response.json({ error: 'Send the dataset file as the request body.' }, { status: 400 });
  // A declared size over the limit is refused before reading; an undeclared one stops the stream at the limit.
  const { maxBytes } = defaultReversedDataLimits;
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) {
    return Response.json({ error: `The file is larger than the limit of ${formatBytes(maxBytes)}; split it into smaller files.` }, { status: 413 });
  }
  const { format, container, name } = parsed.data;
  await recordAudit({ actor: auth.user, action: 'reversed_data.download', targetType: 'ReversedData', after: { name, format, container } });
  const summary = emptySummary();
  const lines = reversedJsonlLines(streamChunks(request.body), { format, container }, summary);
  const body = readableFromLines(lines, (error) => console.warn(`[reversed-data] ${String(error)}`));
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.reversed.jsonl"`,
      'cache-control': 'no-store',
    },
  });
}
