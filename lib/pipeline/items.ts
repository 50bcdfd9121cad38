/** Reading a run's items and the stored result of every stage, for the run pages. */
import { db } from '@/lib/db/client';
import type { RunItemState } from '@/lib/db/generated/enums';
import { stageNameLabels, stageNameOf, stageNames, type StageName } from '@/lib/pipeline/stage-names';
import type { StageOutcome } from '@/lib/pipeline/stages/types';

export interface RunItemRow {
  id: string;
  sourceTextId: string;
  variant: number;
  state: RunItemState;
  topic: string;
  instruction: string | null;
  failureCause: string | null;
  updatedAt: string;
}

export const ITEM_PAGE_SIZE = 50;

/** Items of a run, newest activity first, optionally in one state; keyset-paged by id. */
export async function listRunItems(runId: string, options: { state?: RunItemState; beforeId?: string } = {}): Promise<RunItemRow[]> {
  const items = await db().runItem.findMany({
    where: { runId, ...(options.state ? { state: options.state } : {}), ...(options.beforeId ? { id: { lt: BigInt(options.beforeId) } } : {}) },
    orderBy: { id: 'desc' },
    take: ITEM_PAGE_SIZE,
    include: { pair: { select: { instruction: true } } },
  });
  const topics = new Map(
    (await db().sourceText.findMany({ where: { id: { in: items.map((item) => item.sourceTextId) } }, select: { id: true, topic: true } })).map((text) => [text.id, text.topic]),
  );
  const induced = new Map(
    (
      await db().stageResult.findMany({
        where: { runItemId: { in: items.filter((item) => !item.pair).map((item) => item.id) }, stage: 'INDUCE', ok: true },
        select: { runItemId: true, output: true },
      })
    ).map((result) => [result.runItemId, result.output]),
  );
  return items.map((item) => ({
    id: item.id.toString(),
    sourceTextId: item.sourceTextId.toString(),
    variant: item.variant,
    state: item.state,
    topic: topics.get(item.sourceTextId) ?? '',
    instruction: item.pair?.instruction ?? induced.get(item.id) ?? null,
    failureCause: item.failureCause,
    updatedAt: item.updatedAt.toISOString(),
  }));
}

/** A stored StageResult as the item page shows it (times as ISO strings). */
export type StageResultView = Omit<StageOutcome, 'startedAt' | 'finishedAt'> & { stage: StageName; label: string; startedAt: string; finishedAt: string };

export interface RunItemDetail extends RunItemRow {
  runId: string;
  text: string;
  pairId: string | null;
  results: StageResultView[];
}

export async function getRunItem(runId: string, itemId: string): Promise<RunItemDetail | null> {
  if (!/^\d+$/.test(itemId)) return null;
  const item = await db().runItem.findFirst({
    where: { id: BigInt(itemId), runId },
    include: { results: true, pair: { select: { id: true, instruction: true } } },
  });
  if (!item) return null;
  const source = await db().sourceText.findUnique({ where: { id: item.sourceTextId }, select: { text: true, topic: true } });
  const order = new Map(stageNames.map((stage, index) => [stage, index]));
  const results = item.results
    .map((result): StageResultView => {
      const stage = stageNameOf[result.stage];
      return {
        stage,
        label: stageNameLabels[stage],
        ok: result.ok,
        output: result.output,
        verdict: result.verdict,
        reason: result.reason,
        prompt: result.prompt,
        rawOutput: result.rawOutput,
        error: result.error,
        tokensIn: result.tokensIn,
        tokensOut: result.tokensOut,
        costUsd: result.costUsd,
        latencyMs: result.latencyMs,
        cacheHit: result.cacheHit,
        model: result.model,
        startedAt: result.startedAt.toISOString(),
        finishedAt: result.finishedAt.toISOString(),
      };
    })
    .sort((a, b) => (order.get(a.stage) ?? 0) - (order.get(b.stage) ?? 0));
  return {
    id: item.id.toString(),
    runId,
    sourceTextId: item.sourceTextId.toString(),
    variant: item.variant,
    state: item.state,
    topic: source?.topic ?? '',
    text: source?.text ?? '',
    instruction: item.pair?.instruction ?? results.find((result) => result.stage === 'induce' && result.ok)?.output ?? null,
    failureCause: item.failureCause,
    updatedAt: item.updatedAt.toISOString(),
    pairId: item.pair?.id.toString() ?? null,
    results,
  };
}

export interface RunSummary {
  id: string;
  name: string;
  status: string;
  simulated: boolean;
  recipeId: string;
  recipeName: string;
  recipeVersion: number;
  recipeVersionId: string;
  selection: unknown;
  seed: string;
  createdAt: string;
}

export async function getRunSummary(runId: string): Promise<RunSummary | null> {
  const run = await db().run.findUnique({ where: { id: runId }, include: { recipeVersion: { include: { recipe: { select: { id: true, name: true } } } } } });
  if (!run) return null;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    simulated: run.simulated,
    recipeId: run.recipeVersion.recipe.id,
    recipeName: run.recipeVersion.recipe.name,
    recipeVersion: run.recipeVersion.version,
    recipeVersionId: run.recipeVersionId,
    selection: run.selection,
    seed: run.seed,
    createdAt: run.createdAt.toISOString(),
  };
}

export interface CorpusOption {
  id: string;
  name: string;
  itemCount: number;
  topics: { topic: string; count: number }[];
}

/** Corpora with their topics, for the new-run form. */
export async function listCorpusOptions(): Promise<CorpusOption[]> {
  const corpora = await db().corpus.findMany({ orderBy: { createdAt: 'desc' }, select: { id: true, name: true } });
  if (corpora.length === 0) return [];
  const topics = await db().sourceText.groupBy({ by: ['corpusId', 'topic'], where: { corpusId: { in: corpora.map((corpus) => corpus.id) } }, _count: { _all: true } });
  return corpora.map((corpus) => {
    const own = topics.filter((row) => row.corpusId === corpus.id).map((row) => ({ topic: row.topic, count: row._count._all }));
    return { id: corpus.id, name: corpus.name, itemCount: own.reduce((sum, row) => sum + row.count, 0), topics: own.sort((a, b) => a.topic.localeCompare(b.topic)) };
  });
}

/** A few texts of a corpus (first by id), for trying a recipe. */
export async function sampleTexts(corpusId: string, limit: number): Promise<{ text: string; topic: string }[]> {
  return db().sourceText.findMany({ where: { corpusId }, orderBy: { id: 'asc' }, take: limit, select: { text: true, topic: true } });
}
