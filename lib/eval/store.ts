/**
 * Reads and writes of the evaluation chunk worker. A step's result is written with
 * `ON CONFLICT (itemId, step)`: a stored success is never replaced (a stored failure is — that is a
 * retry), so each step's effect happens once however many workers race; a writer that lost learns
 * so and reloads the stored results.
 */
import { db, Prisma } from '@/lib/db/client';
import type { EvalStepKind } from '@/lib/db/generated/enums';
import type { ItemFacts, StoredStep } from '@/lib/eval/item-plan';
import type { StepOutcome } from '@/lib/eval/steps';
import { NOW_UTC, type SqlPool } from '@/lib/db/sql';

const nowUtc = Prisma.raw(NOW_UTC);

export interface EvalChunkItem {
  id: bigint;
  state: 'PENDING' | 'DONE' | 'FAILED';
  facts: ItemFacts;
  results: Map<string, StoredStep>;
}

type ResultRow = StoredStep & { itemId: bigint };

async function resultsFor(itemIds: readonly bigint[]): Promise<Map<bigint, Map<string, StoredStep>>> {
  const byItem = new Map<bigint, Map<string, StoredStep>>();
  if (itemIds.length === 0) return byItem;
  const rows = await db().$queryRaw<ResultRow[]>`
    SELECT "itemId", step, ok, output, verdict, score, preference, error FROM "EvalResult" WHERE "itemId" = ANY(${[...itemIds]}::bigint[])`;
  for (const { itemId, ...row } of rows) {
    const map = byItem.get(itemId) ?? new Map<string, StoredStep>();
    map.set(row.step, row);
    byItem.set(itemId, map);
  }
  return byItem;
}

/** The chunk's items that still have work, with their prompt, imported responses and stored results. */
export async function loadEvalChunkItems(runId: string, fromId: bigint, toId: bigint): Promise<EvalChunkItem[]> {
  const items = await db().$queryRaw<{ id: bigint; state: EvalChunkItem['state']; promptId: bigint; prompt: string; reference: string | null }[]>`
    SELECT i.id, i.state, i."promptId", p.prompt, p.reference
    FROM "EvalItem" i JOIN "EvalPrompt" p ON p.id = i."promptId"
    WHERE i."runId" = ${runId} AND i.id BETWEEN ${fromId} AND ${toId} AND i.state = 'PENDING'
    ORDER BY i.id`;
  if (items.length === 0) return [];
  const responses = await db().$queryRaw<{ promptId: bigint; label: string; text: string }[]>`
    SELECT "promptId", label, text FROM "EvalImportedResponse" WHERE "promptId" = ANY(${items.map((item) => item.promptId)}::bigint[])`;
  const importedByPrompt = new Map<bigint, Map<string, string>>();
  for (const row of responses) {
    const map = importedByPrompt.get(row.promptId) ?? new Map<string, string>();
    map.set(row.label, row.text);
    importedByPrompt.set(row.promptId, map);
  }
  const results = await resultsFor(items.map((item) => item.id));
  return items.map((item) => ({
    id: item.id,
    state: item.state,
    facts: { prompt: item.prompt, reference: item.reference, imported: importedByPrompt.get(item.promptId) ?? new Map() },
    results: results.get(item.id) ?? new Map(),
  }));
}

export async function loadEvalItemResults(itemId: bigint): Promise<Map<string, StoredStep>> {
  return (await resultsFor([itemId])).get(itemId) ?? new Map();
}

export interface StepWrite {
  itemId: bigint;
  step: string;
  kind: EvalStepKind;
  subject: string;
  judge: string | null;
  outcome: StepOutcome;
}

const WRITE_SQL = `
  INSERT INTO "EvalResult" ("itemId", step, kind, subject, judge, ok, output, verdict, score, preference, reason, prompt, "rawOutput", error,
    "tokensIn", "tokensOut", "costUsd", "latencyMs", "cacheHit", model, "startedAt", "finishedAt")
  VALUES ($1, $2, $3::"EvalStepKind", $4, $5, $6, $7, $8::"EvalVerdict", $9, $10::"EvalPreference", $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
    $21::timestamptz AT TIME ZONE 'UTC', $22::timestamptz AT TIME ZONE 'UTC')
  ON CONFLICT ("itemId", step) DO UPDATE SET
    ok = EXCLUDED.ok, output = EXCLUDED.output, verdict = EXCLUDED.verdict, score = EXCLUDED.score, preference = EXCLUDED.preference,
    reason = EXCLUDED.reason, prompt = EXCLUDED.prompt, "rawOutput" = EXCLUDED."rawOutput", error = EXCLUDED.error,
    "tokensIn" = EXCLUDED."tokensIn", "tokensOut" = EXCLUDED."tokensOut", "costUsd" = EXCLUDED."costUsd", "latencyMs" = EXCLUDED."latencyMs",
    "cacheHit" = EXCLUDED."cacheHit", model = EXCLUDED.model, "startedAt" = EXCLUDED."startedAt", "finishedAt" = EXCLUDED."finishedAt"
  WHERE "EvalResult".ok = false
  RETURNING id`;

/** Stores one step's result; true when this write is the one that counts. */
export async function writeStepResult(pool: SqlPool, write: StepWrite): Promise<boolean> {
  const { outcome } = write;
  const result = await pool.query(WRITE_SQL, [
    write.itemId.toString(),
    write.step,
    write.kind,
    write.subject,
    write.judge,
    outcome.ok,
    outcome.output,
    outcome.verdict,
    outcome.score,
    outcome.preference,
    outcome.reason,
    outcome.prompt,
    outcome.rawOutput,
    outcome.error,
    Math.round(outcome.tokensIn),
    Math.round(outcome.tokensOut),
    outcome.costUsd,
    Math.round(outcome.latencyMs),
    outcome.cacheHit,
    outcome.model,
    outcome.startedAt.toISOString(),
    outcome.finishedAt.toISOString(),
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** Projects the item's final state (only from PENDING: a retried item is set back to PENDING first). */
export async function settleEvalItem(pool: SqlPool, itemId: bigint, state: 'DONE' | 'FAILED', failureCause: string | null): Promise<void> {
  await pool.query(`UPDATE "EvalItem" SET state = $2::"EvalItemState", "failureCause" = $3, "updatedAt" = ${NOW_UTC} WHERE id = $1 AND state = 'PENDING'`, [
    itemId.toString(),
    state,
    failureCause,
  ]);
}

/** Marks the run COMPLETED when it is running and no item has work left. */
export async function completeEvalRunIfDone(runId: string): Promise<boolean> {
  const updated = await db().$executeRaw`
    UPDATE "EvalRun" SET status = 'COMPLETED', "finishedAt" = ${nowUtc}, "pauseReason" = NULL
    WHERE id = ${runId} AND status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM "EvalItem" WHERE "runId" = ${runId} AND state = 'PENDING')`;
  return updated > 0;
}

/** The run's items cut into chunks of `chunkSize` in id order, keeping chunks with work left (stable boundaries). */
export async function pendingEvalChunks(runId: string, chunkSize: number): Promise<{ fromId: bigint; toId: bigint }[]> {
  return db().$queryRaw<{ fromId: bigint; toId: bigint }[]>`
    SELECT min(id) AS "fromId", max(id) AS "toId" FROM (
      SELECT id, state, (row_number() OVER (ORDER BY id) - 1) / ${chunkSize}::int AS chunk FROM "EvalItem" WHERE "runId" = ${runId}
    ) numbered
    GROUP BY chunk HAVING bool_or(state = 'PENDING')
    ORDER BY min(id)`;
}

export interface EvalSpend {
  costUsd: number;
  tokens: number;
}

export async function evalRunSpend(runId: string): Promise<EvalSpend> {
  const rows = await db().$queryRaw<{ costUsd: number; tokens: bigint }[]>`
    SELECT coalesce(sum(r."costUsd"), 0)::float8 AS "costUsd",
           coalesce(sum(r."tokensIn" + r."tokensOut") FILTER (WHERE NOT r."cacheHit"), 0)::bigint AS tokens
    FROM "EvalResult" r JOIN "EvalItem" i ON i.id = r."itemId" WHERE i."runId" = ${runId}`;
  return { costUsd: rows[0]?.costUsd ?? 0, tokens: Number(rows[0]?.tokens ?? 0) };
}
