import { z } from 'zod';
import { authorizeRoute } from '@/lib/actions/authorized-action';
import { recordAudit } from '@/lib/audit-log/record';
import { formatBytes } from '@/lib/importers/format-bytes';
import { REVERSED_TEMPLATE_IDS } from '@/lib/pipeline/prompts/reversed-template';
import { defaultReversedDataLimits, SHAREGPT_TURNS } from '@/lib/pipeline/reversed-data';
import { emptySummary, flippedFileName, readableFromLines, reversedJsonlLines, streamChunks } from '@/lib/pipeline/reversed-download';

export const dynamic = 'force-dynamic';

const optionsSchema = z.object({
  format: z.enum(['auto', 'alpaca', 'sharegpt']).default('auto'),
  container: z.enum(['auto', 'jsonl', 'json-array']).default('auto'),
  template: z.enum(REVERSED_TEMPLATE_IDS).default('authors'),
  turns: z.enum(SHAREGPT_TURNS).default('each'),
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
 *   curl -b cookies --data-binary @alpaca.json 'http://host/api/runs/reversed-data?format=alpaca&template=authors' > reversed.jsonl
 *
 * `template` (authors | studio-v1, default authors) picks the reversed layout, `turns` (first |
 * each | context, default each) which ShareGPT exchanges become records; both are echoed in the
 * x-reversed-template / x-sharegpt-turns headers and the file name carries the template.
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
  const { format, container, name, template, turns } = parsed.data;
  await recordAudit({ actor: auth.user, action: 'reversed_data.download', targetType: 'ReversedData', after: { name, format, container, template, turns } });
  const summary = emptySummary();
  const flipOptions = { format, container, template, shareGptTurns: turns };
  const lines = reversedJsonlLines(streamChunks(request.body), flipOptions, summary);
  const body = readableFromLines(lines, (error) => console.warn(`[reversed-data] ${String(error)}`));
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${flippedFileName(name, flipOptions)}"`,
      'x-reversed-template': template,
      'x-sharegpt-turns': turns,
      'cache-control': 'no-store',
    },
  });
}
