/**
 * What a worker process knows about the runs it is working on: the recipe config, whether the run
 * is still RUNNING, and the signals that stop its items — `stop` (pause, cancel, completion: no new
 * stage or queued call starts, calls already sent finish and are stored) and `cancel` (aborts calls
 * in flight as well). A refresh loop re-reads the runs every `refreshMs` and enforces budget caps,
 * so a pause in the UI reaches every worker within that time.
 */
import { setMaxListeners } from 'node:events';
import { db } from '@/lib/db/client';
import type { RunStatus } from '@/lib/db/generated/enums';
import type { RateLimiter } from '@/lib/llm/ports';
import { recipeConfigSchema, type RecipeConfig } from '@/lib/pipeline/prompts/recipe-config';

/** Thrown into an item's queued model call when its run stops; the item simply stops. */
export class RunStoppedError extends Error {
  constructor(readonly status: RunStatus) {
    super(`The run is ${status.toLowerCase()}.`);
    this.name = 'RunStoppedError';
  }
}

export interface RunSpend {
  costUsd: number;
  /** Tokens of calls that were not cache hits. */
  tokens: number;
}

export async function runSpend(runId: string): Promise<RunSpend> {
  const rows = await db().$queryRaw<{ costUsd: number; tokens: bigint }[]>`
    SELECT coalesce(sum(sr."costUsd"), 0)::float8 AS "costUsd",
           coalesce(sum(sr."tokensIn" + sr."tokensOut") FILTER (WHERE NOT sr."cacheHit"), 0)::bigint AS tokens
    FROM "StageResult" sr JOIN "RunItem" ri ON ri.id = sr."runItemId" WHERE ri."runId" = ${runId}`;
  return { costUsd: rows[0]?.costUsd ?? 0, tokens: Number(rows[0]?.tokens ?? 0) };
}

export interface Budget {
  budgetUsd: number | null;
  budgetTokens: number | null;
}

/** Why the budget stops the run, or null while there is budget left. */
export function budgetExceeded(budget: Budget, spend: RunSpend): string | null {
  if (budget.budgetUsd !== null && spend.costUsd >= budget.budgetUsd) {
    return `Budget reached: $${spend.costUsd.toFixed(4)} spent of $${budget.budgetUsd.toFixed(2)}.`;
  }
  if (budget.budgetTokens !== null && spend.tokens >= budget.budgetTokens) {
    return `Budget reached: ${spend.tokens.toLocaleString('en-US')} tokens used of ${budget.budgetTokens.toLocaleString('en-US')}.`;
  }
  return null;
}

/** Pauses a running run because its budget is spent; a no-op when it already stopped. */
export async function pauseForBudget(runId: string, reason: string): Promise<boolean> {
  const updated = await db().$executeRaw`UPDATE "Run" SET status = 'PAUSED', "pauseReason" = ${reason} WHERE id = ${runId} AND status = 'RUNNING'`;
  return updated > 0;
}

export class RunControl {
  readonly stop = new AbortController();
  readonly cancel = new AbortController();
  users = 0;

  constructor(
    readonly runId: string,
    readonly config: RecipeConfig,
    readonly simulated: boolean,
    public budget: Budget,
  ) {
    // Every queued or running call of the run listens to these; hundreds at once is normal.
    setMaxListeners(0, this.stop.signal, this.cancel.signal);
  }

  get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  /** Applies a status read from the database. */
  observe(status: RunStatus): void {
    if (status === 'RUNNING') return;
    if (status === 'CANCELLED' || status === 'FAILED') this.cancel.abort(new RunStoppedError(status));
    this.stop.abort(new RunStoppedError(status));
  }

  /**
   * The limiter, as seen by this run's calls: waiting for a slot ends when the run stops. The
   * stop signal replaces the call's own (cancel) signal here, since cancelling also stops.
   */
  limiter(inner: RateLimiter): RateLimiter {
    const stopSignal = this.stop.signal;
    return { acquire: (endpointId, request) => inner.acquire(endpointId, { ...request, signal: stopSignal }) };
  }
}

type RunRow = { id: string; status: RunStatus; budgetUsd: number | null; budgetTokens: number | null; simulated: boolean; config: unknown };

/** The process's RunControls, shared by the chunks of one run that it works on at the same time. */
export class RunControls {
  private readonly controls = new Map<string, RunControl>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly options: { refreshMs?: number; log?: (message: string) => void } = {},
  ) {}

  /** A live control for the run, or null when the run is not RUNNING (or is gone). */
  async acquire(runId: string): Promise<RunControl | null> {
    const rows = await db().$queryRaw<RunRow[]>`
      SELECT r.id, r.status, r."budgetUsd", r."budgetTokens", r.simulated, v.config
      FROM "Run" r JOIN "RecipeVersion" v ON v.id = r."recipeVersionId" WHERE r.id = ${runId}`;
    const row = rows[0];
    if (!row || row.status !== 'RUNNING') return null;
    let control = this.controls.get(runId);
    if (!control || control.stopped) {
      control = new RunControl(runId, recipeConfigSchema.parse(row.config), row.simulated, { budgetUsd: row.budgetUsd, budgetTokens: row.budgetTokens });
      this.controls.set(runId, control);
    }
    control.budget = { budgetUsd: row.budgetUsd, budgetTokens: row.budgetTokens };
    const reason = budgetExceeded(control.budget, await this.spendIfCapped(control));
    if (reason) {
      await pauseForBudget(runId, reason);
      control.observe('PAUSED');
      return null;
    }
    control.users += 1;
    this.ensureTimer();
    return control;
  }

  release(control: RunControl): void {
    control.users -= 1;
    if (control.users <= 0 && this.controls.get(control.runId) === control) this.controls.delete(control.runId);
    if (this.controls.size === 0) this.stopTimer();
  }

  /** Shutdown: no new stage starts; calls already sent finish and are stored. */
  stopAll(): void {
    for (const control of this.controls.values()) control.stop.abort(new RunStoppedError('PAUSED'));
    this.controls.clear();
    this.stopTimer();
  }

  private async spendIfCapped(control: RunControl): Promise<RunSpend> {
    if (control.budget.budgetUsd === null && control.budget.budgetTokens === null) return { costUsd: 0, tokens: 0 };
    return runSpend(control.runId);
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh()
        .catch((error: unknown) => this.options.log?.(`run status refresh failed: ${String(error)}`))
        .finally(() => {
          this.refreshing = null;
        });
    }, this.options.refreshMs ?? 500);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Re-reads status and budget of every run this process works on. */
  async refresh(): Promise<void> {
    const ids = [...this.controls.keys()];
    if (ids.length === 0) return;
    const rows = await db().$queryRaw<Pick<RunRow, 'id' | 'status' | 'budgetUsd' | 'budgetTokens'>[]>`
      SELECT id, status, "budgetUsd", "budgetTokens" FROM "Run" WHERE id = ANY(${ids}::text[])`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of ids) {
      const control = this.controls.get(id);
      if (!control) continue;
      const row = byId.get(id);
      control.observe(row?.status ?? 'CANCELLED');
      if (!row || control.stopped) continue;
      control.budget = { budgetUsd: row.budgetUsd, budgetTokens: row.budgetTokens };
      const reason = budgetExceeded(control.budget, await this.spendIfCapped(control));
      if (reason && (await pauseForBudget(id, reason))) {
        this.options.log?.(`run ${id} paused: ${reason}`);
        control.observe('PAUSED');
      }
    }
  }
}
