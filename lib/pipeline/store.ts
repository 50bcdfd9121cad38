/**
 * Reads of the chunk worker and the run-completion check (stage writes are in stage-writer.ts).
 */
import { db, Prisma } from '@/lib/db/client';
import type { RunItemState, Stage, Verdict } from '@/lib/db/generated/enums';
import { finalStates, type StageResultSummary } from '@/lib/pipeline/item-state';
import { stageNameOf } from '@/lib/pipeline/stage-names';
import { NOW_UTC } from '@/lib/db/sql';

const nowUtc = Prisma.raw(NOW_UTC);
/** The final item states as a SQL list, for `state NOT IN (…)`. */
export const finalStateList = Prisma.join(finalStates.map((state) => Prisma.sql`${state}::"RunItemState"`));

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

/** Marks the run COMPLETED when it is running and no item has work left. */
export async function completeRunIfDone(runId: string): Promise<boolean> {
  const updated = await db().$executeRaw`
    UPDATE "Run" SET status = 'COMPLETED', "finishedAt" = ${nowUtc}, "pauseReason" = NULL
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
