/**
 * Stage results are written in batches: items finishing a stage within a few milliseconds of each
 * other share one statement. Each item still waits for its own row to be committed before it moves
 * on, so nothing is acknowledged that is not durable; batching only saves round trips (at 600
 * calls/s, one statement per stage was most of the worker's database work).
 *
 * One statement per batch stores, for every entry: the StageResult (a stored failure may be
 * overwritten — that is a retry — a stored success never), the item's new state, and the Pair when
 * the item became final. The unique (runItemId, stage) key makes the effect happen once; an entry
 * whose row was not written learns so and reloads the stored results.
 */
import type { RunItemState } from '@/lib/db/generated/enums';
import type { ItemProgress } from '@/lib/pipeline/item-state';
import { dbStageOf, type StageName } from '@/lib/pipeline/stage-names';
import { NOW_UTC, type SqlPool } from '@/lib/db/sql';
import type { StageOutcome } from '@/lib/pipeline/stages/types';

export interface PairContext {
  runId: string;
  item: { id: bigint; sourceTextId: bigint; variant: number; text: string; topic: string };
  simulated: boolean;
}

export interface StageWrite {
  stage: StageName;
  outcome: StageOutcome;
  after: ItemProgress;
  pair: PairContext;
}

const pairStatusOf: Partial<Record<RunItemState, 'KEPT' | 'DROPPED'>> = {
  INSTRUCTION_DROPPED: 'DROPPED',
  PAIR_KEPT: 'KEPT',
  PAIR_DROPPED: 'DROPPED',
};

// Columns of the unnest() input, in parameter order, with their SQL array types.
const inputColumns = [
  ['run_item_id', 'bigint'],
  ['stage', '"Stage"'],
  ['ok', 'boolean'],
  ['output', 'text'],
  ['verdict', '"Verdict"'],
  ['reason', 'text'],
  ['prompt', 'text'],
  ['raw_output', 'text'],
  ['error', 'text'],
  ['tokens_in', 'integer'],
  ['tokens_out', 'integer'],
  ['cost_usd', 'double precision'],
  ['latency_ms', 'integer'],
  ['cache_hit', 'boolean'],
  ['model', 'text'],
  ['started_at', 'timestamptz'],
  ['finished_at', 'timestamptz'],
  ['after_state', '"RunItemState"'],
  ['failed_stage', '"Stage"'],
  ['failure_cause', 'text'],
  ['pair_status', '"PairStatus"'],
  ['run_id', 'text'],
  ['source_text_id', 'bigint'],
  ['topic', 'text'],
  ['instruction', 'text'],
  ['chosen', 'text'],
  ['rejected', 'text'],
  ['instruction_verdict', '"Verdict"'],
  ['instruction_reason', 'text'],
  ['response_verdict', '"Verdict"'],
  ['response_reason', 'text'],
  ['simulated', 'boolean'],
  ['metadata', 'text'],
] as const;

type Column = (typeof inputColumns)[number][0];

function rowOf({ stage, outcome, after, pair }: StageWrite): Record<Column, unknown> {
  return {
    run_item_id: pair.item.id.toString(),
    stage: dbStageOf[stage],
    ok: outcome.ok,
    output: outcome.output,
    verdict: outcome.verdict,
    reason: outcome.reason,
    prompt: outcome.prompt,
    raw_output: outcome.rawOutput,
    error: outcome.error,
    tokens_in: Math.round(outcome.tokensIn),
    tokens_out: Math.round(outcome.tokensOut),
    cost_usd: outcome.costUsd,
    latency_ms: Math.round(outcome.latencyMs),
    cache_hit: outcome.cacheHit,
    model: outcome.model,
    started_at: outcome.startedAt.toISOString(),
    finished_at: outcome.finishedAt.toISOString(),
    after_state: after.state,
    failed_stage: after.failedStage === null ? null : dbStageOf[after.failedStage],
    failure_cause: after.failureCause,
    pair_status: pairStatusOf[after.state] ?? null,
    run_id: pair.runId,
    source_text_id: pair.item.sourceTextId.toString(),
    topic: pair.item.topic,
    instruction: after.instruction ?? '',
    chosen: after.chosen,
    rejected: pair.item.text,
    instruction_verdict: after.instructionVerdict,
    instruction_reason: after.instructionReason,
    response_verdict: after.responseVerdict,
    response_reason: after.responseReason,
    simulated: pair.simulated,
    metadata: JSON.stringify({ variant: pair.item.variant }),
  };
}

const STAGE_WRITE_SQL = `
  WITH input AS (
    SELECT * FROM unnest(${inputColumns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
      AS t(${inputColumns.map(([name]) => name).join(', ')})
  ), written AS (
    INSERT INTO "StageResult" ("runItemId", stage, ok, output, verdict, reason, prompt, "rawOutput", error,
      "tokensIn", "tokensOut", "costUsd", "latencyMs", "cacheHit", model, "startedAt", "finishedAt")
    SELECT run_item_id, stage, ok, output, verdict, reason, prompt, raw_output, error, tokens_in, tokens_out, cost_usd,
      latency_ms, cache_hit, model, started_at AT TIME ZONE 'UTC', finished_at AT TIME ZONE 'UTC'
    FROM input
    ON CONFLICT ("runItemId", stage) DO UPDATE SET
      ok = EXCLUDED.ok, output = EXCLUDED.output, verdict = EXCLUDED.verdict, reason = EXCLUDED.reason, prompt = EXCLUDED.prompt,
      "rawOutput" = EXCLUDED."rawOutput", error = EXCLUDED.error, "tokensIn" = EXCLUDED."tokensIn", "tokensOut" = EXCLUDED."tokensOut",
      "costUsd" = EXCLUDED."costUsd", "latencyMs" = EXCLUDED."latencyMs", "cacheHit" = EXCLUDED."cacheHit", model = EXCLUDED.model,
      "startedAt" = EXCLUDED."startedAt", "finishedAt" = EXCLUDED."finishedAt"
    WHERE "StageResult".ok = false
    RETURNING "runItemId", stage
  ), applied AS (
    SELECT input.* FROM input JOIN written ON written."runItemId" = input.run_item_id AND written.stage = input.stage
  ), moved AS (
    UPDATE "RunItem" ri SET state = a.after_state, "failedStage" = a.failed_stage, "failureCause" = a.failure_cause, "updatedAt" = ${NOW_UTC}
    FROM applied a WHERE ri.id = a.run_item_id
  ), paired AS (
    INSERT INTO "Pair" (origin, "runId", "runItemId", "sourceTextId", topic, instruction, chosen, rejected,
      "instructionVerdict", "instructionReason", "responseVerdict", "responseReason", status, simulated, metadata, "createdAt", "updatedAt")
    SELECT 'RUN', run_id, run_item_id, source_text_id, topic, instruction, chosen, rejected,
      instruction_verdict, instruction_reason, response_verdict, response_reason, pair_status, simulated, metadata::jsonb, ${NOW_UTC}, ${NOW_UTC}
    FROM applied WHERE pair_status IS NOT NULL
    ON CONFLICT ("runItemId") DO NOTHING
  )
  SELECT "runItemId"::text AS id, stage::text AS stage FROM written`;

export interface StageWriter {
  /** Resolves once the entry's batch is committed: true if this entry's result was stored. */
  write(entry: StageWrite): Promise<boolean>;
  flush(): Promise<void>;
}

interface Pending {
  entry: StageWrite;
  key: string;
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

export interface StageWriterOptions {
  /** Entries per statement at most. */
  maxBatch?: number;
  /** How long the first entry of a batch waits for company (ms). */
  lingerMs?: number;
  /** Statements running at once. */
  maxConcurrent?: number;
}

export function createStageWriter(pool: SqlPool, options: StageWriterOptions = {}): StageWriter {
  const maxBatch = options.maxBatch ?? 100;
  const lingerMs = options.lingerMs ?? 3;
  const maxConcurrent = options.maxConcurrent ?? 2;
  let queue: Pending[] = [];
  let running = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const idle: (() => void)[] = [];

  async function send(batch: Pending[]): Promise<void> {
    const rows = batch.map((pending) => rowOf(pending.entry));
    const params = inputColumns.map(([name]) => rows.map((row) => row[name]));
    try {
      const result = await pool.query<{ id: string; stage: string }>(STAGE_WRITE_SQL, params);
      const written = new Set(result.rows.map((row) => `${row.id}:${row.stage}`));
      for (const pending of batch) pending.resolve(written.has(pending.key));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  function pump(): void {
    while (running < maxConcurrent && queue.length > 0) {
      // One entry per (item, stage) in a statement: ON CONFLICT cannot touch a row twice.
      const batch: Pending[] = [];
      const keys = new Set<string>();
      const rest: Pending[] = [];
      for (const pending of queue) {
        if (batch.length < maxBatch && !keys.has(pending.key)) {
          batch.push(pending);
          keys.add(pending.key);
        } else rest.push(pending);
      }
      queue = rest;
      running += 1;
      void send(batch).finally(() => {
        running -= 1;
        pump();
        if (running === 0 && queue.length === 0) for (const resolve of idle.splice(0)) resolve();
      });
    }
  }

  function schedule(): void {
    if (queue.length >= maxBatch) {
      if (timer) clearTimeout(timer);
      timer = null;
      pump();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        pump();
      }, lingerMs);
    }
  }

  return {
    write(entry) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ entry, key: `${entry.pair.item.id}:${dbStageOf[entry.stage]}`, resolve, reject });
        schedule();
      });
    },
    flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      pump();
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
