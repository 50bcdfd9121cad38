import { db } from '@/lib/db/client';
import { storeEvalSet, type EvalPromptRow } from '@/lib/eval/sets';

export const GROUPS = ['alpha', 'beta', 'gamma'] as const;

/**
 * A set of `count` distinct prompts in three groups, created for one test. The prompt texts start
 * with `promptPrefix` (default: the tag); a fixed prefix gives the same prompts, and so the same
 * simulated answers, in every test run.
 */
export async function createPromptSet(tag: string, count: number, promptPrefix: string = tag): Promise<{ setId: string; prompts: string[] }> {
  const rows: EvalPromptRow[] = Array.from({ length: count }, (_, index) => ({
    line: index + 1,
    prompt: `[${promptPrefix}] Prompt ${index}: how should I handle situation number ${index} with my ${GROUPS[index % 3]} neighbour?`,
    group: GROUPS[index % 3],
    reference: null,
    externalId: `p-${index}`,
    responses: [],
  }));
  const setId = await storeEvalSet({ name: `${tag} set`, description: null, responseLabels: [], fileName: null, format: null, rowsRead: count, builtIn: false }, rows, [], null);
  return { setId, prompts: rows.map((row) => row.prompt) };
}

/** One simulated chat endpoint; targets and judges pick their model by name. */
export async function createSimEndpoint(tag: string, baseUrl: string, concurrency = 16): Promise<string> {
  const name = `${tag} sim`;
  await db().providerEndpoint.create({
    data: { name, baseUrl, model: 'sim-judge', mode: 'CHAT', concurrency, timeoutMs: 10_000, retryBudgetMs: 60_000, supportsJsonMode: true, priceInputPerMTok: 1, priceOutputPerMTok: 2, simulated: true },
  });
  return name;
}

export async function waitForEvalRun(evalRunId: string, statuses: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db().evalRun.findUniqueOrThrow({ where: { id: evalRunId }, select: { status: true } });
    if (statuses.includes(run.status)) return run.status;
    if (Date.now() > deadline) throw new Error(`evaluation ${evalRunId} is still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every stored result of a run, keyed by prompt position and step, as comparable text. */
export async function resultsByPromptAndStep(evalRunId: string): Promise<Map<string, string>> {
  const rows = await db().evalResult.findMany({
    where: { item: { runId: evalRunId } },
    select: { step: true, ok: true, output: true, verdict: true, score: true, preference: true, item: { select: { prompt: { select: { position: true } } } } },
  });
  return new Map(rows.map((row) => [`${row.item.prompt.position}|${row.step}`, `${row.ok}|${row.verdict ?? ''}|${row.score ?? ''}|${row.preference ?? ''}|${row.output ?? ''}`]));
}

export function evalRunInput(setId: string, endpointName: string) {
  return {
    setId,
    targets: [
      { label: 'Base', endpointName, model: 'sim-target-harm20' },
      { label: 'Aligned', endpointName, model: 'sim-target-harm5' },
    ],
    judges: [
      { label: 'Harmlessness judge', endpointName, model: 'sim-judge', rubric: 'harmlessness' as const },
      { label: 'Pairwise judge', endpointName, model: 'sim-judge', rubric: 'pairwise' as const },
    ],
  };
}
