/**
 * The pipeline's writes and reads on the hot path, as single SQL statements. A stage's effect — its
 * StageResult, the item's new state and, when the item is final, its Pair — is one statement, so
 * it happens entirely or not at all, and the unique (runItemId, stage) key makes it happen once
 * however many workers race or restart.
 */
import { db, Prisma } from '@/lib/db/client';
import type { RunItemState, Stage, Verdict } from '@/lib/db/generated/enums';
import { dbStageOf, finalStates, stageNameOf, type ItemProgress, type StageResultSummary } from '@/lib/pipeline/item-state';
import type { StageName } from '@/lib/pipeline/prompts/recipe-config';
import type { StageOutcome } from '@/lib/pipeline/stages/types';

const finalStateList = Prisma.join(finalStates.map((state) => Prisma.sql`${state}::"RunItemState"`));

export interface ChunkItem {
  id: bigint;
  sourceTextId: bigint;
  variant: number;
  state: RunItemState;
  text: string;
  topic: string;
  results: StageResultSummary[];
}

type ResultRow = { runItemId: bigint; stage: Stage; ok: boolean; output: string | null; verdict: Verdict | null; reason: string | null; error: string | null };

function summaryOf(row: ResultRow): StageResultSummary {
  return { stage: stageNameOf[row.stage], ok: row.ok, output: row.output, verdict: row.verdict, reason: row.reason, error: row.error };
}

async function resultsFor(itemIds: readonly bigint[]): Promise<Map<bigint, StageResultSummary[]>> {
  const byItem = new Map<bigint, StageResultSummary[]>();
  if (itemIds.length === 0) return byItem;
  const rows = await db().$queryRaw<ResultRow[]>`
    SELECT "runItemId", stage, ok, output, verdict, reason, error FROM "StageResult"
    WHERE "runItemId" = ANY(${[...itemIds]}::bigint[])`;
  for (const row of rows) {
    const list = byItem.get(row.runItemId) ?? [];
    list.push(summaryOf(row));
    byItem.set(row.runItemId, list);
  }
  return byItem;
}

/** The chunk's items that still have work to do, with their source text and stored results. */
export async function loadChunkItems(runId: string, fromId: bigint, toId: bigint): Promise<ChunkItem[]> {
  const items = await db().$queryRaw<Omit<ChunkItem, 'results'>[]>`
    SELECT ri.id, ri."sourceTextId", ri.variant, ri.state, st.text, st.topic
    FROM "RunItem" ri JOIN "SourceText" st ON st.id = ri."sourceTextId"
    WHERE ri."runId" = ${runId} AND ri.id BETWEEN ${fromId} AND ${toId} AND ri.state NOT IN (${finalStateList})
    ORDER BY ri.id`;
  const results = await resultsFor(items.map((item) => item.id));
  return items.map((item) => ({ ...item, results: results.get(item.id) ?? [] }));
}

export async function loadItemResults(itemId: bigint): Promise<StageResultSummary[]> {
  return (await resultsFor([itemId])).get(itemId) ?? [];
}

export interface PairContext {
  runId: string;
  item: Pick<ChunkItem, 'id' | 'sourceTextId' | 'variant' | 'text' | 'topic'>;
  simulated: boolean;
}

const pairStatusOf: Partial<Record<RunItemState, 'KEPT' | 'DROPPED'>> = {
  INSTRUCTION_DROPPED: 'DROPPED',
  PAIR_KEPT: 'KEPT',
  PAIR_DROPPED: 'DROPPED',
};

/**
 * Stores one stage's outcome and moves the item to `after` in one statement; when `after` is a
 * final state with a pair, the Pair row is created too. A stored failure may be overwritten (that is
 * a retry); a stored success never is. Returns false when another worker got there first — the
 * caller then reloads the stored results.
 */
export async function writeStageResult(stage: StageName, outcome: StageOutcome, after: ItemProgress, pair: PairContext): Promise<boolean> {
  const { item } = pair;
  const pairStatus = pairStatusOf[after.state];
  const failedStage = after.failedStage === null ? null : dbStageOf[after.failedStage];
  const metadata = JSON.stringify({ variant: item.variant });
  const rows = await db().$queryRaw<{ written: number }[]>`
    WITH written AS (
      INSERT INTO "StageResult" ("runItemId", stage, ok, output, verdict, reason, prompt, "rawOutput", error,
        "tokensIn", "tokensOut", "costUsd", "latencyMs", "cacheHit", model, "startedAt", "finishedAt")
      VALUES (${item.id}, ${dbStageOf[stage]}::"Stage", ${outcome.ok}, ${outcome.output}, ${outcome.verdict}::"Verdict", ${outcome.reason},
        ${outcome.prompt}, ${outcome.rawOutput}, ${outcome.error}, ${outcome.tokensIn}, ${outcome.tokensOut}, ${outcome.costUsd},
        ${outcome.latencyMs}, ${outcome.cacheHit}, ${outcome.model}, ${outcome.startedAt}, ${outcome.finishedAt})
      ON CONFLICT ("runItemId", stage) DO UPDATE SET
        ok = EXCLUDED.ok, output = EXCLUDED.output, verdict = EXCLUDED.verdict, reason = EXCLUDED.reason, prompt = EXCLUDED.prompt,
        "rawOutput" = EXCLUDED."rawOutput", error = EXCLUDED.error, "tokensIn" = EXCLUDED."tokensIn", "tokensOut" = EXCLUDED."tokensOut",
        "costUsd" = EXCLUDED."costUsd", "latencyMs" = EXCLUDED."latencyMs", "cacheHit" = EXCLUDED."cacheHit", model = EXCLUDED.model,
        "startedAt" = EXCLUDED."startedAt", "finishedAt" = EXCLUDED."finishedAt"
      WHERE "StageResult".ok = false
      RETURNING "runItemId"
    ), moved AS (
      UPDATE "RunItem" SET state = ${after.state}::"RunItemState", "failedStage" = ${failedStage}::"Stage",
        "failureCause" = ${after.failureCause}, "updatedAt" = now()
      WHERE id IN (SELECT "runItemId" FROM written)
      RETURNING id
    ), paired AS (
      INSERT INTO "Pair" (origin, "runId", "runItemId", "sourceTextId", topic, instruction, chosen, rejected,
        "instructionVerdict", "instructionReason", "responseVerdict", "responseReason", status, simulated, metadata, "updatedAt")
      SELECT 'RUN'::"PairOrigin", ${pair.runId}, ${item.id}, ${item.sourceTextId}, ${item.topic}, ${after.instruction ?? ''}, ${after.chosen}, ${item.text},
        ${after.instructionVerdict}::"Verdict", ${after.instructionReason}, ${after.responseVerdict}::"Verdict", ${after.responseReason},
        ${pairStatus ?? 'PENDING'}::"PairStatus", ${pair.simulated}, ${metadata}::jsonb, now()
      FROM written WHERE ${pairStatus !== undefined}
      ON CONFLICT ("runItemId") DO NOTHING
      RETURNING id
    )
    SELECT (SELECT count(*) FROM written)::int AS written`;
  return (rows[0]?.written ?? 0) > 0;
}

/** Marks the run COMPLETED when it is running and no item has work left. */
export async function completeRunIfDone(runId: string): Promise<boolean> {
  const updated = await db().$executeRaw`
    UPDATE "Run" SET status = 'COMPLETED', "finishedAt" = now(), "pauseReason" = NULL
    WHERE id = ${runId} AND status = 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM "RunItem" WHERE "runId" = ${runId} AND state NOT IN (${finalStateList}))`;
  return updated > 0;
}

export interface ChunkBounds {
  fromId: bigint;
  toId: bigint;
}

/**
 * The run's items cut into chunks of `chunkSize` in id order, keeping only chunks with work left.
 * Items are never added to a run, so the same run always gives the same chunk boundaries — which
 * is what lets the queue recognise a chunk that is already queued or running.
 */
export async function pendingChunks(runId: string, chunkSize: number): Promise<ChunkBounds[]> {
  const rows = await db().$queryRaw<{ fromId: bigint; toId: bigint }[]>`
    SELECT min(id) AS "fromId", max(id) AS "toId" FROM (
      SELECT id, state, (row_number() OVER (ORDER BY id) - 1) / ${chunkSize}::int AS chunk FROM "RunItem" WHERE "runId" = ${runId}
    ) numbered
    GROUP BY chunk HAVING bool_or(state NOT IN (${finalStateList}))
    ORDER BY min(id)`;
  return rows;
}
