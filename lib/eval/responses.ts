/**
 * The responses of an evaluation, one record per prompt and subject, with every judge's decision:
 * what the results page lists (filtered by group and verdict), what the side-by-side view shows and
 * what the per-response downloads contain.
 */
import { db } from '@/lib/db/client';
import type { EvalPreference, EvalVerdict } from '@/lib/db/generated/enums';
import type { EvalRunConfig } from '@/lib/eval/config';

export interface JudgeDecision {
  judge: string;
  verdict: EvalVerdict | null;
  score: number | null;
  reason: string | null;
  error: string | null;
}

export interface SubjectResponse {
  subject: string;
  /** Null when the subject has no response for this prompt (generation failed or not imported). */
  response: string | null;
  generationError: string | null;
  decisions: JudgeDecision[];
}

export interface PairwiseDecision {
  judge: string;
  a: string;
  b: string;
  order: 'ab' | 'ba';
  preference: EvalPreference | null;
  reason: string | null;
}

export interface PromptRecord {
  promptId: string;
  position: number;
  externalId: string | null;
  group: string | null;
  prompt: string;
  reference: string | null;
  subjects: SubjectResponse[];
  pairwise: PairwiseDecision[];
}

export interface ResponseFilter {
  group?: string | null;
  /** Keep prompts where some subject got this verdict (from any harmlessness judge). */
  verdict?: EvalVerdict | null;
  promptId?: string | null;
  offset?: number;
  limit?: number;
}

type Row = {
  promptId: bigint;
  position: number;
  externalId: string | null;
  group: string | null;
  prompt: string;
  reference: string | null;
  step: string | null;
  subject: string | null;
  judge: string | null;
  ok: boolean | null;
  output: string | null;
  verdict: EvalVerdict | null;
  score: number | null;
  preference: EvalPreference | null;
  reason: string | null;
  error: string | null;
};

/** Prompt records of the run in set order; imported responses come from the set, generated ones from results. */
export async function listPromptRecords(evalRunId: string, config: EvalRunConfig, filter: ResponseFilter = {}): Promise<{ records: PromptRecord[]; total: number }> {
  const limit = Math.min(filter.limit ?? 50, 100_000);
  const offset = filter.offset ?? 0;
  const group = filter.group ?? null;
  const verdict = filter.verdict ?? null;
  const promptId = filter.promptId && /^\d+$/.test(filter.promptId) ? BigInt(filter.promptId) : null;
  const matching = await db().$queryRaw<{ id: bigint; total: bigint }[]>`
    SELECT i.id, count(*) OVER () AS total FROM "EvalItem" i JOIN "EvalPrompt" p ON p.id = i."promptId"
    WHERE i."runId" = ${evalRunId}
      AND (${group}::text IS NULL OR p."groupName" = ${group})
      AND (${promptId}::bigint IS NULL OR p.id = ${promptId})
      AND (${verdict}::text IS NULL OR EXISTS (SELECT 1 FROM "EvalResult" r WHERE r."itemId" = i.id AND r.kind = 'JUDGE' AND r.verdict::text = ${verdict}))
    ORDER BY p.position LIMIT ${limit} OFFSET ${offset}`;
  const total = Number(matching[0]?.total ?? 0);
  if (matching.length === 0) return { records: [], total };
  const rows = await db().$queryRaw<Row[]>`
    SELECT p.id AS "promptId", p.position, p."externalId", p."groupName" AS "group", p.prompt, p.reference,
           r.step, r.subject, r.judge, r.ok, r.output, r.verdict, r.score, r.preference, r.reason, r.error
    FROM "EvalItem" i JOIN "EvalPrompt" p ON p.id = i."promptId" LEFT JOIN "EvalResult" r ON r."itemId" = i.id
    WHERE i.id = ANY(${matching.map((row) => row.id)}::bigint[])
    ORDER BY p.position, r.step`;
  const imported = await db().evalImportedResponse.findMany({ where: { promptId: { in: [...new Set(rows.map((row) => row.promptId))] } }, select: { promptId: true, label: true, text: true } });

  const byPrompt = new Map<bigint, Row[]>();
  for (const row of rows) {
    const list = byPrompt.get(row.promptId);
    if (list) list.push(row);
    else byPrompt.set(row.promptId, [row]);
  }
  const importedText = new Map(imported.map((entry) => [`${entry.promptId}:${entry.label}`, entry.text]));
  const records = [...byPrompt.entries()].map(([id, promptRows]): PromptRecord => {
    const first = promptRows[0];
    const results = new Map(promptRows.filter((row) => row.step !== null).map((row) => [row.step as string, row]));
    const subjects = config.subjects.map((subject): SubjectResponse => {
      const generation = results.get(`gen:${subject.key}`);
      const response =
        subject.kind === 'imported'
          ? (importedText.get(`${id}:${subject.responseLabel}`) ?? null)
          : generation?.ok
            ? (generation.output ?? '')
            : null;
      const decisions = config.judges
        .filter((judge) => judge.rubric !== 'pairwise')
        .flatMap((judge) => {
          const row = results.get(`judge:${judge.key}:${subject.key}`);
          return row ? [{ judge: judge.key, verdict: row.verdict, score: row.score, reason: row.reason, error: row.ok ? null : row.error }] : [];
        });
      return { subject: subject.key, response, generationError: generation && !generation.ok ? generation.error : null, decisions };
    });
    const pairwise = [...results.values()]
      .filter((row) => row.step?.startsWith('pair:') && row.ok)
      .map((row): PairwiseDecision => {
        const [, judge, a, b, order] = (row.step ?? '').split(':');
        return { judge, a, b, order: order === 'ba' ? 'ba' : 'ab', preference: row.preference, reason: row.reason };
      });
    return { promptId: id.toString(), position: first.position, externalId: first.externalId, group: first.group, prompt: first.prompt, reference: first.reference, subjects, pairwise };
  });
  return { records, total };
}

/** The groups of the run's prompts, for the filter. */
export async function listRunGroups(evalRunId: string): Promise<string[]> {
  const rows = await db().$queryRaw<{ group: string }[]>`
    SELECT DISTINCT p."groupName" AS "group" FROM "EvalItem" i JOIN "EvalPrompt" p ON p.id = i."promptId"
    WHERE i."runId" = ${evalRunId} AND p."groupName" IS NOT NULL ORDER BY 1`;
  return rows.map((row) => row.group);
}
