/**
 * Live progress of a run, computed from the database on every request (a few aggregate queries
 * over the run's items and stage results), so it is never staler than the poll interval.
 */
import { db, Prisma } from '@/lib/db/client';
import { NOW_UTC } from '@/lib/db/sql';
import { finalStateList } from '@/lib/pipeline/store';
import { enumValues } from '@/lib/db/enum-values';
import { RunItemState, type RunStatus, type Stage } from '@/lib/db/generated/enums';
import { causeKind, finalStates } from '@/lib/pipeline/item-state';
import { stageNameLabels, stageNameOf, stageNames, type StageName } from '@/lib/pipeline/stage-names';

export const runItemStates = enumValues(RunItemState);

export type StateCounts = Record<RunItemState, number>;
export type FailedByStage = Record<StageName, number>;

export interface FunnelStep {
  key: 'items' | 'induced' | 'instructionKept' | 'responseWritten' | 'pairKept';
  label: string;
  count: number;
}

/** Items that got at least as far as each step. Failed items count up to the stage that failed. */
export function funnelFromCounts(states: StateCounts, failed: FailedByStage, total: number): FunnelStep[] {
  const afterInstructionKept = states.INSTRUCTION_KEPT + states.RESPONSE_WRITTEN + states.PAIR_KEPT + states.PAIR_DROPPED;
  const responseWritten = states.RESPONSE_WRITTEN + states.PAIR_KEPT + states.PAIR_DROPPED + failed.filterResponse;
  const instructionKept = afterInstructionKept + failed.generateResponse + failed.filterResponse;
  const induced = states.INDUCED + states.INSTRUCTION_DROPPED + instructionKept + failed.filterInstruction;
  return [
    { key: 'items', label: 'Source items', count: total },
    { key: 'induced', label: 'Instruction induced', count: induced },
    { key: 'instructionKept', label: 'Instruction kept', count: instructionKept },
    { key: 'responseWritten', label: 'Preferred response written', count: responseWritten },
    { key: 'pairKept', label: 'Pair kept', count: states.PAIR_KEPT },
  ];
}

export interface ErrorGroup {
  stage: StageName | null;
  stageLabel: string;
  kind: string;
  count: number;
  examples: { itemId: string; sourceTextId: string; message: string }[];
}

export interface RunProgress {
  runId: string;
  name: string;
  status: RunStatus;
  pauseReason: string | null;
  simulated: boolean;
  itemsTotal: number;
  itemsDone: number;
  states: StateCounts;
  failedByStage: FailedByStage;
  funnel: FunnelStep[];
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  stagesDone: number;
  cacheHits: number;
  /** Items that reached a final state per minute, over the last minute (or the whole run once it ended). */
  itemsPerMinute: number;
  /** Stage results stored per second, same window. */
  stagesPerSecond: number;
  etaSeconds: number | null;
  budgetUsd: number | null;
  budgetTokens: number | null;
  errors: ErrorGroup[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  generatedAt: string;
}

const WINDOW_SECONDS = 60;
const nowUtc = Prisma.raw(NOW_UTC);

function emptyStates(): StateCounts {
  return Object.fromEntries(runItemStates.map((state) => [state, 0])) as StateCounts;
}

function emptyFailed(): FailedByStage {
  return Object.fromEntries(stageNames.map((stage) => [stage, 0])) as FailedByStage;
}

export async function getRunProgress(runId: string): Promise<RunProgress | null> {
  const run = await db().run.findUnique({ where: { id: runId } });
  if (!run) return null;
  const [stateRows, totals, errorRows] = await Promise.all([
    db().$queryRaw<{ state: RunItemState; failedStage: Stage | null; count: number; recent: number }[]>`
      SELECT state, "failedStage", count(*)::int AS count,
        count(*) FILTER (WHERE "updatedAt" > ${nowUtc} - make_interval(secs => ${WINDOW_SECONDS}))::int AS recent
      FROM "RunItem" WHERE "runId" = ${runId} GROUP BY state, "failedStage"`,
    db().$queryRaw<{ tokensIn: bigint; tokensOut: bigint; costUsd: number; stages: number; cacheHits: number; recentStages: number }[]>`
      SELECT coalesce(sum(sr."tokensIn"), 0)::bigint AS "tokensIn", coalesce(sum(sr."tokensOut"), 0)::bigint AS "tokensOut",
        coalesce(sum(sr."costUsd"), 0)::float8 AS "costUsd", count(*)::int AS stages, count(*) FILTER (WHERE sr."cacheHit")::int AS "cacheHits",
        count(*) FILTER (WHERE sr."finishedAt" > ${nowUtc} - make_interval(secs => ${WINDOW_SECONDS}))::int AS "recentStages"
      FROM "StageResult" sr JOIN "RunItem" ri ON ri.id = sr."runItemId" WHERE ri."runId" = ${runId}`,
    db().$queryRaw<{ failedStage: Stage | null; kind: string; count: number; examples: { itemId: string; sourceTextId: string; message: string }[] }[]>`
      SELECT "failedStage", split_part(coalesce("failureCause", 'unknown'), ':', 1) AS kind, count(*)::int AS count,
        (array_agg(json_build_object('itemId', id::text, 'sourceTextId', "sourceTextId"::text, 'message', coalesce("failureCause", '')) ORDER BY id))[1:3] AS examples
      FROM "RunItem" WHERE "runId" = ${runId} AND state = 'FAILED'
      GROUP BY 1, 2 ORDER BY count(*) DESC, 2 LIMIT 20`,
  ]);

  const states = emptyStates();
  const failedByStage = emptyFailed();
  let recentFinal = 0;
  for (const row of stateRows) {
    states[row.state] += row.count;
    if (row.state === 'FAILED' && row.failedStage) failedByStage[stageNameOf[row.failedStage]] += row.count;
    if ((finalStates as readonly RunItemState[]).includes(row.state)) recentFinal += row.recent;
  }
  const itemsDone = finalStates.reduce((sum, state) => sum + states[state], 0);
  const total = totals[0];
  const ended = run.finishedAt !== null && run.startedAt !== null;
  const elapsedSeconds = ended ? Math.max(1, (run.finishedAt!.getTime() - run.startedAt!.getTime()) / 1000) : WINDOW_SECONDS;
  const itemsPerSecond = (ended ? itemsDone : recentFinal) / elapsedSeconds;
  const stagesPerSecond = (ended ? (total?.stages ?? 0) : (total?.recentStages ?? 0)) / elapsedSeconds;
  const remaining = run.itemsTotal - itemsDone;
  const active = run.status === 'RUNNING' || run.status === 'QUEUED';

  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    pauseReason: run.pauseReason,
    simulated: run.simulated,
    itemsTotal: run.itemsTotal,
    itemsDone,
    states,
    failedByStage,
    funnel: funnelFromCounts(states, failedByStage, run.itemsTotal),
    tokensIn: Number(total?.tokensIn ?? 0),
    tokensOut: Number(total?.tokensOut ?? 0),
    costUsd: total?.costUsd ?? 0,
    stagesDone: total?.stages ?? 0,
    cacheHits: total?.cacheHits ?? 0,
    itemsPerMinute: itemsPerSecond * 60,
    stagesPerSecond,
    etaSeconds: active && remaining > 0 && itemsPerSecond > 0 ? Math.round(remaining / itemsPerSecond) : active && remaining === 0 ? 0 : null,
    budgetUsd: run.budgetUsd,
    budgetTokens: run.budgetTokens,
    errors: errorRows.map((row) => {
      const stage = row.failedStage ? stageNameOf[row.failedStage] : null;
      return { stage, stageLabel: stage ? stageNameLabels[stage] : 'Unknown stage', kind: row.kind || causeKind(''), count: row.count, examples: row.examples };
    }),
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    generatedAt: new Date().toISOString(),
  };
}

export interface RunListEntry {
  id: string;
  name: string;
  status: RunStatus;
  recipeName: string;
  recipeVersion: number;
  itemsTotal: number;
  itemsDone: number;
  pairsKept: number;
  failed: number;
  simulated: boolean;
  createdAt: string;
}

export async function listRuns(options: { limit?: number } = {}): Promise<RunListEntry[]> {
  const runs = await db().run.findMany({
    orderBy: { createdAt: 'desc' },
    take: options.limit ?? 50,
    include: { recipeVersion: { select: { version: true, recipe: { select: { name: true } } } } },
  });
  if (runs.length === 0) return [];
  const counts = await db().$queryRaw<{ runId: string; done: number; kept: number; failed: number }[]>`
    SELECT "runId", count(*) FILTER (WHERE state IN (${finalStateList}))::int AS done,
      count(*) FILTER (WHERE state = 'PAIR_KEPT')::int AS kept, count(*) FILTER (WHERE state = 'FAILED')::int AS failed
    FROM "RunItem" WHERE "runId" = ANY(${runs.map((run) => run.id)}::text[]) GROUP BY "runId"`;
  const byRun = new Map(counts.map((row) => [row.runId, row]));
  return runs.map((run) => ({
    id: run.id,
    name: run.name,
    status: run.status,
    recipeName: run.recipeVersion.recipe.name,
    recipeVersion: run.recipeVersion.version,
    itemsTotal: run.itemsTotal,
    itemsDone: byRun.get(run.id)?.done ?? 0,
    pairsKept: byRun.get(run.id)?.kept ?? 0,
    failed: byRun.get(run.id)?.failed ?? 0,
    simulated: run.simulated,
    createdAt: run.createdAt.toISOString(),
  }));
}
