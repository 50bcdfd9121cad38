import { authorizeRoute } from '@/lib/actions/authorized-action';
import { buildEvalReport, evalResponsesCsv, evalResponsesJsonl, evalResultsMarkdown } from '@/lib/eval/report';
import { loadEvalRunOverview } from '@/lib/eval/results';

export const dynamic = 'force-dynamic';

const formats = {
  csv: { type: 'text/csv; charset=utf-8', name: 'responses.csv' },
  jsonl: { type: 'application/x-ndjson; charset=utf-8', name: 'responses.jsonl' },
  md: { type: 'text/markdown; charset=utf-8', name: 'report.md' },
  json: { type: 'application/json; charset=utf-8', name: 'report.json' },
} as const;
type Format = keyof typeof formats;

/** ?format=csv|jsonl (one row per prompt and model) or md|json (the report). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('evals:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  const requested = new URL(request.url).searchParams.get('format') ?? 'json';
  if (!(requested in formats)) return Response.json({ error: 'format must be csv, jsonl, md or json.' }, { status: 400 });
  const format = requested as Format;
  const overview = await loadEvalRunOverview(id);
  if (!overview) return Response.json({ error: 'No such evaluation.' }, { status: 404 });
  const bodies: Record<Format, () => Promise<string>> = {
    csv: () => evalResponsesCsv(id, overview.config),
    jsonl: () => evalResponsesJsonl(id, overview.config),
    md: async () => evalResultsMarkdown(await buildEvalReport(id)),
    json: async () => `${JSON.stringify(await buildEvalReport(id), null, 2)}\n`,
  };
  return new Response(await bodies[format](), {
    headers: {
      'Content-Type': formats[format].type,
      'Content-Disposition': `attachment; filename="evaluation-${id}-${formats[format].name}"`,
      'Cache-Control': 'no-store',
    },
  });
}
