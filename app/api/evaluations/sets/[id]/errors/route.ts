import { authorizeRoute } from '@/lib/actions/authorized-action';
import { db } from '@/lib/db/client';
import { encodeCsvField } from '@/lib/exporters/csv';

export const dynamic = 'force-dynamic';

/** The row errors of a prompt-set import as CSV (line, column, reason). */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRoute('evals:read');
  if ('response' in auth) return auth.response;
  const { id } = await params;
  const set = await db().evalSet.findUnique({ where: { id }, select: { id: true } });
  if (!set) return Response.json({ error: 'No such evaluation set.' }, { status: 404 });
  const errors = await db().evalSetRowError.findMany({ where: { setId: id }, orderBy: [{ line: 'asc' }, { id: 'asc' }] });
  const lines = ['line,column,reason', ...errors.map((error) => [String(error.line), error.column, error.reason].map((cell) => encodeCsvField(cell)).join(','))];
  return new Response(`${lines.join('\r\n')}\r\n`, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="eval-set-${id}-row-errors.csv"`, 'Cache-Control': 'no-store' },
  });
}
