/**
 * Runs: create one from a selection and a recipe version, then pause, resume, cancel and retry its
 * failed items. Every change is one conditional UPDATE (so two clicks or two users cannot both
 * win) plus an audit entry; workers notice status changes through `RunControls`.
 */
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { db, Prisma } from '@/lib/db/client';
import type { RunStatus } from '@/lib/db/generated/enums';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { endpointForStage, endpointLookup, type EndpointLookup } from '@/lib/pipeline/models';
import { recipeConfigSchema, stageNames, type RecipeConfig } from '@/lib/pipeline/prompts/recipe-config';
import { DEFAULT_RUN_CHUNK_SIZE, enqueueRunChunks } from '@/lib/pipeline/queue';
import { budgetExceeded, runSpend } from '@/lib/pipeline/run-control';
import { runSelectionSchema, selectedSourceTextsSql, storedSelectionSchema, type StoredSelection } from '@/lib/pipeline/selection';
import { NOW_UTC } from '@/lib/db/sql';
import { finalStateList } from '@/lib/pipeline/store';
import { EndpointUnavailableError } from '@/lib/pipeline/stages/types';

const nowUtc = Prisma.raw(NOW_UTC);

const budgetUsdSchema = z.number({ error: 'The money budget must be a number' }).positive('The money budget must be above 0').max(1_000_000).nullable();
const budgetTokensSchema = z.number({ error: 'The token budget must be a number' }).int().positive('The token budget must be above 0').max(1e12).nullable();

export const createRunInputSchema = z.object({
  name: z.string().trim().max(200).optional(),
  recipeVersionId: z.string().min(1, 'Choose a recipe version'),
  selection: runSelectionSchema,
  budgetUsd: budgetUsdSchema.default(null),
  budgetTokens: budgetTokensSchema.default(null),
});
export type CreateRunInput = z.input<typeof createRunInputSchema>;

export const budgetInputSchema = z.object({ budgetUsd: budgetUsdSchema.optional(), budgetTokens: budgetTokensSchema.optional() });

export interface RunDependencies {
  /** Defaults to the process's pg-boss. */
  boss?: PgBoss;
  endpoints?: EndpointLookup;
  chunkSize?: number;
}

/** Every endpoint the recipe names must exist and suit its stage; all problems are reported at once. */
export async function checkRecipeEndpoints(config: RecipeConfig, endpoints: EndpointLookup): Promise<{ simulated: boolean }> {
  const problems: string[] = [];
  let simulated = false;
  for (const stage of stageNames) {
    const stageConfig = config.stages[stage];
    try {
      const endpoint = endpointForStage(await endpoints(stageConfig.endpointName), stageConfig);
      simulated ||= endpoint.simulated;
    } catch (error) {
      if (!(error instanceof EndpointUnavailableError)) throw error;
      if (!problems.includes(error.message)) problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new UserFacingError(`The recipe cannot run yet. ${problems.join(' ')}`);
  return { simulated };
}

function chunkSizeFromEnv(): number {
  const value = Number(process.env.PIPELINE_CHUNK_SIZE);
  return Number.isInteger(value) && value > 0 && value <= 1000 ? value : DEFAULT_RUN_CHUNK_SIZE;
}

/** Creates the run and its items (one per selected text and instruction variant), then starts it. */
export async function createRun(rawInput: CreateRunInput, actor: AuditActor, deps: RunDependencies = {}): Promise<{ runId: string; itemsTotal: number }> {
  const input = createRunInputSchema.parse(rawInput);
  const version = await db().recipeVersion.findUnique({ where: { id: input.recipeVersionId }, include: { recipe: { select: { name: true } } } });
  if (!version) throw new UserFacingError('That recipe version does not exist.');
  const config = recipeConfigSchema.parse(version.config);
  const { simulated } = await checkRecipeEndpoints(config, deps.endpoints ?? endpointLookup());
  const corpora = await db().corpus.count({ where: { id: { in: input.selection.corpusIds } } });
  if (corpora !== new Set(input.selection.corpusIds).size) throw new UserFacingError('One of the chosen corpora no longer exists.');

  const stored: StoredSelection = { ...input.selection, chunkSize: deps.chunkSize ?? chunkSizeFromEnv() };
  const seed = input.selection.limit.kind === 'sample' ? input.selection.limit.seed : '1';
  const name = input.name || `${version.recipe.name} v${version.version} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;

  const run = await db().$transaction(
    async (tx) => {
      const created = await tx.run.create({
        data: {
          name,
          recipeVersionId: version.id,
          selection: stored as unknown as Prisma.InputJsonValue,
          seed,
          budgetUsd: input.budgetUsd,
          budgetTokens: input.budgetTokens,
          simulated,
          createdById: actor?.id ?? null,
        },
      });
      const selected = selectedSourceTextsSql(input.selection, 3);
      const itemsTotal = await tx.$executeRawUnsafe(
        `INSERT INTO "RunItem" ("runId", "sourceTextId", variant, state, "updatedAt")
         SELECT $1, s.id, v.variant, 'PENDING', ${NOW_UTC}
         FROM (${selected.text}) s CROSS JOIN generate_series(0, $2::int - 1) AS v(variant)
         ORDER BY s.ord, v.variant`,
        created.id,
        config.instructionsPerSource,
        ...selected.values,
      );
      if (itemsTotal === 0) throw new UserFacingError('The selection matches no texts; choose other corpora or topics.');
      await tx.run.update({ where: { id: created.id }, data: { itemsTotal } });
      await recordAudit(
        {
          actor,
          action: 'run.create',
          targetType: 'Run',
          targetId: created.id,
          after: { name, recipeVersionId: version.id, selection: stored, itemsTotal, budgetUsd: input.budgetUsd, budgetTokens: input.budgetTokens },
        },
        tx,
      );
      return { id: created.id, itemsTotal };
    },
    { timeout: 120_000 },
  );
  await startQueuedRun(run.id, deps.boss);
  return { runId: run.id, itemsTotal: run.itemsTotal };
}

async function storedSelection(runId: string): Promise<StoredSelection> {
  const run = await db().run.findUnique({ where: { id: runId }, select: { selection: true } });
  if (!run) throw new UserFacingError('This run no longer exists.');
  return storedSelectionSchema.parse(run.selection);
}

/** Queues the chunks of a RUNNING run that still have work; safe to repeat. */
export async function enqueueRun(runId: string, boss?: PgBoss): Promise<number> {
  return enqueueRunChunks(runId, (await storedSelection(runId)).chunkSize, boss);
}

/** QUEUED → RUNNING and its chunks queued. */
export async function startQueuedRun(runId: string, boss?: PgBoss): Promise<void> {
  await db().$executeRaw`UPDATE "Run" SET status = 'RUNNING', "startedAt" = coalesce("startedAt", ${nowUtc}) WHERE id = ${runId} AND status = 'QUEUED'`;
  await enqueueRun(runId, boss);
}

async function transition(runId: string, from: readonly RunStatus[], data: Prisma.RunUpdateManyMutationInput, actor: AuditActor, action: string, verb: string): Promise<RunStatus> {
  return db().$transaction(async (tx) => {
    const before = await tx.run.findUnique({ where: { id: runId }, select: { status: true, pauseReason: true, budgetUsd: true, budgetTokens: true } });
    if (!before) throw new UserFacingError('This run no longer exists.');
    const updated = await tx.run.updateMany({ where: { id: runId, status: { in: [...from] } }, data });
    if (updated.count === 0) throw new UserFacingError(`The run is ${before.status.toLowerCase()}; it cannot be ${verb} now.`);
    await recordAudit({ actor, action, targetType: 'Run', targetId: runId, before, after: data }, tx);
    return before.status;
  });
}

export async function pauseRun(runId: string, actor: AuditActor): Promise<void> {
  await transition(runId, ['QUEUED', 'RUNNING'], { status: 'PAUSED', pauseReason: `Paused by ${actor?.email ?? 'the system'}.` }, actor, 'run.pause', 'paused');
}

export async function cancelRun(runId: string, actor: AuditActor): Promise<void> {
  await transition(runId, ['QUEUED', 'RUNNING', 'PAUSED'], { status: 'CANCELLED', finishedAt: new Date(), pauseReason: null }, actor, 'run.cancel', 'cancelled');
}

/** PAUSED → RUNNING, optionally with a new budget; refuses while the budget is still spent. */
export async function resumeRun(runId: string, budget: z.input<typeof budgetInputSchema>, actor: AuditActor, boss?: PgBoss): Promise<void> {
  const parsed = budgetInputSchema.parse(budget);
  const run = await db().run.findUnique({ where: { id: runId }, select: { budgetUsd: true, budgetTokens: true } });
  if (!run) throw new UserFacingError('This run no longer exists.');
  const next = { budgetUsd: parsed.budgetUsd === undefined ? run.budgetUsd : parsed.budgetUsd, budgetTokens: parsed.budgetTokens === undefined ? run.budgetTokens : parsed.budgetTokens };
  const exceeded = budgetExceeded(next, await runSpend(runId));
  if (exceeded) throw new UserFacingError(`${exceeded} Raise or clear the budget to resume.`);
  await transition(runId, ['PAUSED'], { status: 'RUNNING', pauseReason: null, ...next }, actor, 'run.resume', 'resumed');
  await enqueueRun(runId, boss);
}

/**
 * Puts FAILED items back to the state before the stage that failed, so only that stage and the ones
 * after it run again. A COMPLETED run runs again; a PAUSED one picks them up when resumed.
 */
export async function retryFailedItems(runId: string, actor: AuditActor, boss?: PgBoss): Promise<number> {
  const result = await db().$transaction(async (tx) => {
    const run = await tx.run.findUnique({ where: { id: runId }, select: { status: true } });
    if (!run) throw new UserFacingError('This run no longer exists.');
    if (run.status === 'CANCELLED') throw new UserFacingError('The run was cancelled; start a new run instead.');
    const retried = await tx.$executeRaw`
      UPDATE "RunItem" SET state = (CASE "failedStage"
          WHEN 'FILTER_INSTRUCTION' THEN 'INDUCED'
          WHEN 'GENERATE_RESPONSE' THEN 'INSTRUCTION_KEPT'
          WHEN 'FILTER_RESPONSE' THEN 'RESPONSE_WRITTEN'
          ELSE 'PENDING' END)::"RunItemState",
        "failedStage" = NULL, "failureCause" = NULL, "updatedAt" = ${nowUtc}
      WHERE "runId" = ${runId} AND state = 'FAILED'`;
    if (retried === 0) throw new UserFacingError('No items failed in this run.');
    if (run.status === 'COMPLETED' || run.status === 'FAILED') {
      await tx.run.update({ where: { id: runId }, data: { status: 'RUNNING', finishedAt: null, pauseReason: null } });
    }
    await recordAudit({ actor, action: 'run.retry_failed', targetType: 'Run', targetId: runId, before: { status: run.status }, after: { retried } }, tx);
    return { retried, status: run.status };
  });
  if (result.status !== 'PAUSED') await enqueueRun(runId, boss);
  return result.retried;
}


/**
 * Repairs what a crash can leave behind: a run created but never started, a running run whose
 * last item finished without the completion check, a running run whose jobs are gone (e.g. failed
 * for good while the database was down). Cheap enough to run every few seconds in every worker.
 */
export async function reconcileRuns(
  boss: PgBoss,
  queueName: string,
  log: (message: string) => void = (message) => console.error(`[pipeline] ${message}`),
): Promise<{ started: number; completed: number; requeued: number; failed: number }> {
  let failed = 0;
  /** One run that cannot be recovered (e.g. its stored selection no longer parses) must not stop the others. */
  async function recover(runId: string, action: (id: string) => Promise<unknown>): Promise<boolean> {
    try {
      await action(runId);
      return true;
    } catch (error) {
      failed += 1;
      const reason = `Recovery failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1000);
      log(`run ${runId}: ${reason}`);
      await db().$executeRaw`
        UPDATE "Run" SET status = 'FAILED', "pauseReason" = ${reason}, "finishedAt" = ${nowUtc}
        WHERE id = ${runId} AND status IN ('QUEUED', 'RUNNING')`;
      return false;
    }
  }

  const stale = await db().$queryRaw<{ id: string }[]>`
    SELECT id FROM "Run" WHERE status = 'QUEUED' AND "createdAt" < ${nowUtc} - interval '30 seconds'`;
  let started = 0;
  for (const run of stale) if (await recover(run.id, (id) => startQueuedRun(id, boss))) started += 1;

  const finished = await db().$queryRaw<{ id: string }[]>`
    UPDATE "Run" r SET status = 'COMPLETED', "finishedAt" = ${nowUtc}
    WHERE r.status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM "RunItem" ri WHERE ri."runId" = r.id AND ri.state NOT IN (${finalStateList}))
    RETURNING id`;

  // pg-boss keeps jobs in pgboss.job; a running run without a waiting or active chunk has lost them.
  const orphaned = await db().$queryRaw<{ id: string }[]>`
    SELECT r.id FROM "Run" r
    WHERE r.status = 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = ${queueName} AND j.state IN ('created', 'retry', 'active') AND j.data->>'runId' = r.id)
      AND NOT EXISTS (SELECT 1 FROM "RunItem" ri WHERE ri."runId" = r.id AND ri."updatedAt" > ${nowUtc} - interval '10 seconds')`;
  let requeued = 0;
  for (const run of orphaned) if (await recover(run.id, (id) => enqueueRun(id, boss))) requeued += 1;
  return { started, completed: finished.length, requeued, failed };
}
