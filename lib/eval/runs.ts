/**
 * Evaluation runs: create one from a set, targets/imported responses and judges, then pause, resume,
 * cancel and retry failed items. Every change is one conditional UPDATE plus an audit entry in the
 * same transaction; workers notice status changes through EvalControls.
 */
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { sqlSampleRankExpression } from '@/lib/sampling/hash-rank';
import { db, Prisma } from '@/lib/db/client';
import type { RunStatus } from '@/lib/db/generated/enums';
import { UserFacingError } from '@/lib/errors';
import { buildRunConfig, createEvalRunInputSchema, evalTargetSchema, type CreateEvalRunInput, type EvalRunConfig } from '@/lib/eval/config';
import type { EvalChunkJob } from '@/lib/eval/process-chunk';
import { evalRunSpend, pendingEvalChunks } from '@/lib/eval/store';
import { getBoss } from '@/lib/jobs/boss';
import { queues } from '@/lib/jobs/queues';
import { endpointForStage, endpointLookup, type EndpointLookup } from '@/lib/pipeline/models';
import { DEFAULT_CHUNK_SIZE } from '@/lib/pipeline/queue';
import { budgetExceeded } from '@/lib/pipeline/run-control';
import { NOW_UTC } from '@/lib/db/sql';
import { EndpointUnavailableError } from '@/lib/pipeline/stages/types';

const nowUtc = Prisma.raw(NOW_UTC);

export interface EvalRunDependencies {
  boss?: PgBoss;
  endpoints?: EndpointLookup;
  chunkSize?: number;
}

/** Every endpoint the config names must exist and suit its use (judges need chat); all problems at once. */
export async function checkEvalEndpoints(config: EvalRunConfig, endpoints: EndpointLookup): Promise<{ simulated: boolean }> {
  const problems: string[] = [];
  let simulated = false;
  const uses = [
    ...config.subjects.flatMap((subject) => (subject.kind === 'target' ? [{ name: subject.target.endpointName, mode: subject.target.mode, model: subject.target.model }] : [])),
    ...config.judges.map((judge) => ({ name: judge.endpointName, mode: 'chat' as const, model: judge.model })),
  ];
  for (const use of uses) {
    try {
      simulated ||= endpointForStage(await endpoints(use.name), { mode: use.mode, model: use.model ?? undefined }).simulated;
    } catch (error) {
      if (!(error instanceof EndpointUnavailableError)) throw error;
      if (!problems.includes(error.message)) problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new UserFacingError(`The evaluation cannot run yet. ${problems.join(' ')}`);
  return { simulated };
}

/** Targets that name a saved version get that version's stored settings (only the label is the user's). */
async function resolveTargetPresets(targets: z.output<typeof createEvalRunInputSchema>['targets']): Promise<z.output<typeof createEvalRunInputSchema>['targets']> {
  return Promise.all(
    targets.map(async (target) => {
      if (!target.preset) return target;
      const version = await db().evalTargetPresetVersion.findUnique({ where: { id: target.preset.versionId }, include: { preset: { select: { name: true } } } });
      if (!version) throw new UserFacingError(`The saved target "${target.preset.name}" v${target.preset.version} no longer exists.`);
      const stored = evalTargetSchema.parse(version.config);
      return { ...stored, label: target.label, preset: { versionId: version.id, name: version.preset.name, version: version.version } };
    }),
  );
}

/** Creates the run and one item per selected prompt, then starts it. */
export async function createEvalRun(rawInput: CreateEvalRunInput, actor: AuditActor, deps: EvalRunDependencies = {}): Promise<{ evalRunId: string; itemsTotal: number }> {
  const input = createEvalRunInputSchema.parse(rawInput);
  const set = await db().evalSet.findUnique({ where: { id: input.setId }, select: { id: true, name: true, responseLabels: true } });
  if (!set) throw new UserFacingError('That evaluation set does not exist.');
  const unknownLabel = input.responseLabels.find((label) => !set.responseLabels.includes(label));
  if (unknownLabel) throw new UserFacingError(`The set has no response column for "${unknownLabel}".`);
  const config = buildRunConfig({ ...input, targets: await resolveTargetPresets(input.targets) });
  const { simulated } = await checkEvalEndpoints(config, deps.endpoints ?? endpointLookup());
  const seed = input.limit.kind === 'sample' ? input.limit.seed : '1';
  const name = input.name || `${set.name} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
  const chunkSize = deps.chunkSize ?? DEFAULT_CHUNK_SIZE;

  const run = await db().$transaction(
    async (tx) => {
      const created = await tx.evalRun.create({
        data: {
          name,
          setId: set.id,
          config: config as unknown as Prisma.InputJsonValue,
          selection: input.limit as unknown as Prisma.InputJsonValue,
          seed,
          chunkSize,
          budgetUsd: input.budgetUsd,
          budgetTokens: input.budgetTokens,
          simulated,
          createdById: actor?.id ?? null,
        },
      });
      const limit = input.limit;
      const order = limit.kind === 'sample' ? `${sqlSampleRankExpression('$3', 'p.id')}, p.id` : 'p.position';
      const cap = limit.kind === 'sample' ? limit.size : limit.kind === 'first' ? limit.count : null;
      const itemsTotal = await tx.$executeRawUnsafe(
        `INSERT INTO "EvalItem" ("runId", "promptId", state, "updatedAt")
         SELECT $1, s.id, 'PENDING', ${NOW_UTC} FROM (
           SELECT p.id, p.position FROM "EvalPrompt" p WHERE p."setId" = $2 ORDER BY ${order} ${cap === null ? '' : `LIMIT ${Number(cap)}`}
         ) s ORDER BY s.position`,
        created.id,
        set.id,
        ...(limit.kind === 'sample' ? [limit.seed] : []),
      );
      if (itemsTotal === 0) throw new UserFacingError('The set has no prompts.');
      await tx.evalRun.update({ where: { id: created.id }, data: { itemsTotal } });
      await recordAudit(
        { actor, action: 'eval_run.create', targetType: 'EvalRun', targetId: created.id, after: { name, setId: set.id, limit, config, itemsTotal, budgetUsd: input.budgetUsd, budgetTokens: input.budgetTokens } },
        tx,
      );
      return { id: created.id, itemsTotal };
    },
    { timeout: 120_000 },
  );
  await startQueuedEvalRun(run.id, deps.boss);
  return { evalRunId: run.id, itemsTotal: run.itemsTotal };
}

/**
 * Queues every chunk of the run that still has work. The singleton key names the chunk, so a chunk
 * already waiting is not queued twice and one being worked on is not worked on twice.
 */
export async function enqueueEvalRun(evalRunId: string, boss?: PgBoss): Promise<number> {
  const run = await db().evalRun.findUnique({ where: { id: evalRunId }, select: { chunkSize: true } });
  if (!run) throw new UserFacingError('This evaluation no longer exists.');
  const chunks = await pendingEvalChunks(evalRunId, run.chunkSize);
  if (chunks.length === 0) return 0;
  const queue = boss ?? (await getBoss());
  await queue.insert(
    queues.evalChunk.name,
    chunks.map((chunk) => {
      const data: EvalChunkJob = { evalRunId, fromId: chunk.fromId.toString(), toId: chunk.toId.toString() };
      return { data, singletonKey: `${evalRunId}:${data.fromId}` };
    }),
  );
  return chunks.length;
}

export async function startQueuedEvalRun(evalRunId: string, boss?: PgBoss): Promise<void> {
  await db().$executeRaw`UPDATE "EvalRun" SET status = 'RUNNING', "startedAt" = coalesce("startedAt", ${nowUtc}) WHERE id = ${evalRunId} AND status = 'QUEUED'`;
  await enqueueEvalRun(evalRunId, boss);
}

async function transition(evalRunId: string, from: readonly RunStatus[], data: Prisma.EvalRunUpdateManyMutationInput, actor: AuditActor, action: string, verb: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const before = await tx.evalRun.findUnique({ where: { id: evalRunId }, select: { status: true, pauseReason: true, budgetUsd: true, budgetTokens: true } });
    if (!before) throw new UserFacingError('This evaluation no longer exists.');
    const updated = await tx.evalRun.updateMany({ where: { id: evalRunId, status: { in: [...from] } }, data });
    if (updated.count === 0) throw new UserFacingError(`The evaluation is ${before.status.toLowerCase()}; it cannot be ${verb} now.`);
    await recordAudit({ actor, action, targetType: 'EvalRun', targetId: evalRunId, before, after: data }, tx);
  });
}

export const evalBudgetInputSchema = z.object({
  budgetUsd: z.number().positive().max(1_000_000).nullable().optional(),
  budgetTokens: z.number().int().positive().max(1e12).nullable().optional(),
});

export async function pauseEvalRun(evalRunId: string, actor: AuditActor): Promise<void> {
  await transition(evalRunId, ['QUEUED', 'RUNNING'], { status: 'PAUSED', pauseReason: `Paused by ${actor?.email ?? 'the system'}.` }, actor, 'eval_run.pause', 'paused');
}

export async function cancelEvalRun(evalRunId: string, actor: AuditActor): Promise<void> {
  await transition(evalRunId, ['QUEUED', 'RUNNING', 'PAUSED'], { status: 'CANCELLED', finishedAt: new Date(), pauseReason: null }, actor, 'eval_run.cancel', 'cancelled');
}

export async function resumeEvalRun(evalRunId: string, budget: z.input<typeof evalBudgetInputSchema>, actor: AuditActor, boss?: PgBoss): Promise<void> {
  const parsed = evalBudgetInputSchema.parse(budget);
  const run = await db().evalRun.findUnique({ where: { id: evalRunId }, select: { budgetUsd: true, budgetTokens: true } });
  if (!run) throw new UserFacingError('This evaluation no longer exists.');
  const next = { budgetUsd: parsed.budgetUsd === undefined ? run.budgetUsd : parsed.budgetUsd, budgetTokens: parsed.budgetTokens === undefined ? run.budgetTokens : parsed.budgetTokens };
  const exceeded = budgetExceeded(next, await evalRunSpend(evalRunId));
  if (exceeded) throw new UserFacingError(`${exceeded} Raise or clear the budget to resume.`);
  await transition(evalRunId, ['PAUSED'], { status: 'RUNNING', pauseReason: null, ...next }, actor, 'eval_run.resume', 'resumed');
  await enqueueEvalRun(evalRunId, boss);
}

/** FAILED items back to PENDING: their failed steps run again, everything stored before them is kept. */
export async function retryFailedEvalItems(evalRunId: string, actor: AuditActor, boss?: PgBoss): Promise<number> {
  const result = await db().$transaction(async (tx) => {
    const run = await tx.evalRun.findUnique({ where: { id: evalRunId }, select: { status: true } });
    if (!run) throw new UserFacingError('This evaluation no longer exists.');
    if (run.status === 'CANCELLED') throw new UserFacingError('The evaluation was cancelled; start a new one instead.');
    const retried = await tx.$executeRaw`UPDATE "EvalItem" SET state = 'PENDING', "failureCause" = NULL, "updatedAt" = ${nowUtc} WHERE "runId" = ${evalRunId} AND state = 'FAILED'`;
    if (retried === 0) throw new UserFacingError('No items failed in this evaluation.');
    if (run.status === 'COMPLETED' || run.status === 'FAILED') await tx.evalRun.update({ where: { id: evalRunId }, data: { status: 'RUNNING', finishedAt: null, pauseReason: null } });
    await recordAudit({ actor, action: 'eval_run.retry_failed', targetType: 'EvalRun', targetId: evalRunId, before: { status: run.status }, after: { retried } }, tx);
    return { retried, status: run.status };
  });
  if (result.status !== 'PAUSED') await enqueueEvalRun(evalRunId, boss);
  return result.retried;
}

/**
 * Repairs what a crash can leave behind (as reconcileRuns does for pipeline runs): a run created but
 * never started, a running run whose last item finished without the completion check, a running run
 * whose chunk jobs are gone.
 */
export async function reconcileEvalRuns(boss: PgBoss): Promise<{ started: number; completed: number; requeued: number }> {
  const stale = await db().$queryRaw<{ id: string }[]>`SELECT id FROM "EvalRun" WHERE status = 'QUEUED' AND "createdAt" < ${nowUtc} - interval '30 seconds'`;
  for (const run of stale) await startQueuedEvalRun(run.id, boss);
  const finished = await db().$queryRaw<{ id: string }[]>`
    UPDATE "EvalRun" r SET status = 'COMPLETED', "finishedAt" = ${nowUtc}
    WHERE r.status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM "EvalItem" i WHERE i."runId" = r.id AND i.state = 'PENDING')
    RETURNING id`;
  const orphaned = await db().$queryRaw<{ id: string }[]>`
    SELECT r.id FROM "EvalRun" r
    WHERE r.status = 'RUNNING'
      AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = ${queues.evalChunk.name} AND j.state IN ('created', 'retry', 'active') AND j.data->>'evalRunId' = r.id)
      AND NOT EXISTS (SELECT 1 FROM "EvalItem" i WHERE i."runId" = r.id AND i."updatedAt" > ${nowUtc} - interval '10 seconds')`;
  for (const run of orphaned) await enqueueEvalRun(run.id, boss);
  return { started: stale.length, completed: finished.length, requeued: orphaned.length };
}
