/**
 * What a worker process knows about the evaluation runs it works on: the config, whether the run is
 * still RUNNING, and the signals that stop its items (`stop`: no new step starts; `cancel`: calls in
 * flight are aborted too). A refresh loop re-reads status and budget every `refreshMs`, so a pause in
 * the UI reaches every worker within that time. The same design as the pipeline's RunControls, on
 * the EvalRun table (budget rules are the pipeline's `budgetExceeded`).
 */
import { setMaxListeners } from 'node:events';
import { db } from '@/lib/db/client';
import type { RunStatus } from '@/lib/db/generated/enums';
import { evalRunConfigSchema, type EvalRunConfig } from '@/lib/eval/config';
import { evalRunSpend } from '@/lib/eval/store';
import type { RateLimiter } from '@/lib/llm/ports';
import { budgetExceeded, RunStoppedError, type Budget } from '@/lib/pipeline/run-control';

export class EvalControl {
  readonly stop = new AbortController();
  readonly cancel = new AbortController();
  users = 0;

  constructor(
    readonly runId: string,
    readonly config: EvalRunConfig,
    public budget: Budget,
  ) {
    setMaxListeners(0, this.stop.signal, this.cancel.signal);
  }

  get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  observe(status: RunStatus): void {
    if (status === 'RUNNING') return;
    if (status === 'CANCELLED' || status === 'FAILED') this.cancel.abort(new RunStoppedError(status));
    this.stop.abort(new RunStoppedError(status));
  }

  /** Waiting for a rate-limit slot ends when the run stops. */
  limiter(inner: RateLimiter): RateLimiter {
    const stopSignal = this.stop.signal;
    return { acquire: (endpointId, request) => inner.acquire(endpointId, { ...request, signal: stopSignal }) };
  }
}

async function pauseForBudget(runId: string, reason: string): Promise<boolean> {
  return (await db().$executeRaw`UPDATE "EvalRun" SET status = 'PAUSED', "pauseReason" = ${reason} WHERE id = ${runId} AND status = 'RUNNING'`) > 0;
}

function capped(budget: Budget): boolean {
  return budget.budgetUsd !== null || budget.budgetTokens !== null;
}

export class EvalControls {
  private readonly controls = new Map<string, EvalControl>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly options: { refreshMs?: number; log?: (message: string) => void } = {}) {}

  /** A live control for the run, or null when it is not RUNNING (or its budget is spent). */
  async acquire(runId: string): Promise<EvalControl | null> {
    const run = await db().evalRun.findUnique({ where: { id: runId }, select: { status: true, config: true, budgetUsd: true, budgetTokens: true } });
    if (!run || run.status !== 'RUNNING') return null;
    let control = this.controls.get(runId);
    const budget = { budgetUsd: run.budgetUsd, budgetTokens: run.budgetTokens };
    if (!control || control.stopped) {
      control = new EvalControl(runId, evalRunConfigSchema.parse(run.config), budget);
      this.controls.set(runId, control);
    }
    control.budget = budget;
    const reason = capped(budget) ? budgetExceeded(budget, await evalRunSpend(runId)) : null;
    if (reason) {
      await pauseForBudget(runId, reason);
      control.observe('PAUSED');
      return null;
    }
    control.users += 1;
    this.ensureTimer();
    return control;
  }

  release(control: EvalControl): void {
    control.users -= 1;
    if (control.users <= 0 && this.controls.get(control.runId) === control) this.controls.delete(control.runId);
    if (this.controls.size === 0) this.stopTimer();
  }

  stopAll(): void {
    for (const control of this.controls.values()) control.stop.abort(new RunStoppedError('PAUSED'));
    this.controls.clear();
    this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh()
        .catch((error: unknown) => this.options.log?.(`evaluation status refresh failed: ${String(error)}`))
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

  async refresh(): Promise<void> {
    const ids = [...this.controls.keys()];
    if (ids.length === 0) return;
    const rows = await db().evalRun.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, budgetUsd: true, budgetTokens: true } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of ids) {
      const control = this.controls.get(id);
      if (!control) continue;
      const row = byId.get(id);
      control.observe(row?.status ?? 'CANCELLED');
      if (!row || control.stopped) continue;
      control.budget = { budgetUsd: row.budgetUsd, budgetTokens: row.budgetTokens };
      const reason = capped(control.budget) ? budgetExceeded(control.budget, await evalRunSpend(id)) : null;
      if (reason && (await pauseForBudget(id, reason))) {
        this.options.log?.(`evaluation ${id} paused: ${reason}`);
        control.observe('PAUSED');
      }
    }
  }
}
