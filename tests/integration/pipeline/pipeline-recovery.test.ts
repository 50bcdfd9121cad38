import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { db } from '@/lib/db/client';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { queues } from '@/lib/jobs/queues';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { pipelineModels } from '@/lib/pipeline/models';
import { cancelRun, createRun, reconcileRuns } from '@/lib/pipeline/runs';
import { startPipelineWorker, type PipelineWorker } from '@/lib/pipeline/worker';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, uniqueTag, waitForRun } from './helpers';

/** Deletes this run's queued chunk jobs only: the queue is shared with every other test file. */
async function loseChunkJobs(boss: PgBoss, runId: string): Promise<void> {
  const jobs = await db().$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM pgboss.job WHERE name = ${queues.pipelineChunk.name} AND data->>'runId' = ${runId}`;
  if (jobs.length) await boss.deleteJob(queues.pipelineChunk.name, jobs.map((job) => job.id));
}

async function liveChunkJobs(runId: string): Promise<number> {
  const rows = await db().$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count FROM pgboss.job WHERE name = ${queues.pipelineChunk.name} AND state IN ('created', 'retry', 'active') AND data->>'runId' = ${runId}`;
  return rows[0]?.count ?? 0;
}

describe('recovering runs a crash left behind', () => {
  let sim: SimulatorHandle;
  let boss: PgBoss;
  let service: LlmService;
  let recipeVersionId: string;
  let corpusId: string;

  beforeAll(async () => {
    sim = await startSimulator();
    boss = await getBoss();
    service = createLlmService();
    const tag = uniqueTag('recover');
    recipeVersionId = await createSimRecipe(tag, await createSimEndpoints(tag, sim.url));
    corpusId = await createSampleCorpus(tag);
  });

  afterAll(async () => {
    await service?.close();
    await stopBoss();
    await sim?.close();
  });

  it('re-queues a running run whose jobs are gone, starts a stale queued run and completes a finished one', async () => {
    const selection = { corpusIds: [corpusId], limit: { kind: 'first' as const, count: 12 } };
    // A running run whose chunk jobs were lost.
    const lost = await createRun({ recipeVersionId, selection }, null, { boss, chunkSize: 5 });
    expect(await liveChunkJobs(lost.runId)).toBe(3);
    await loseChunkJobs(boss, lost.runId);
    expect(await liveChunkJobs(lost.runId)).toBe(0);
    await db().runItem.updateMany({ where: { runId: lost.runId }, data: { updatedAt: new Date(Date.now() - 60_000) } });

    // A run that was created but whose start never happened.
    const stale = await createRun({ recipeVersionId, selection }, null, { boss, chunkSize: 5 });
    await loseChunkJobs(boss, stale.runId);
    await db().run.update({ where: { id: stale.runId }, data: { status: 'QUEUED', startedAt: null, createdAt: new Date(Date.now() - 120_000) } });

    const result = await reconcileRuns(boss, queues.pipelineChunk.name, () => {});
    expect(result.started).toBeGreaterThanOrEqual(1);
    expect(result.requeued).toBeGreaterThanOrEqual(1);
    expect(await liveChunkJobs(lost.runId)).toBe(3);
    expect(await liveChunkJobs(stale.runId)).toBe(3);
    // Re-sending chunks that are already queued queues nothing twice.
    await reconcileRuns(boss, queues.pipelineChunk.name, () => {});
    expect(await liveChunkJobs(lost.runId)).toBe(3);

    const worker: PipelineWorker = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: 4, reconcileEveryMs: 0, log: () => {} });
    try {
      await waitForRun(lost.runId, ['COMPLETED'], 60_000);
      await waitForRun(stale.runId, ['COMPLETED'], 60_000);
    } finally {
      await worker.stop();
    }

    // A running run whose items are all final but that was never marked complete.
    await db().run.update({ where: { id: lost.runId }, data: { status: 'RUNNING', finishedAt: null } });
    // Other test files' runs may complete in the same pass: count only this one.
    expect((await reconcileRuns(boss, queues.pipelineChunk.name, () => {})).completed).toBeGreaterThanOrEqual(1);
    expect((await db().run.findUniqueOrThrow({ where: { id: lost.runId } })).status).toBe('COMPLETED');
  });

  it('marks a run it cannot read as failed, with the reason, and still recovers the others', async () => {
    const selection = { corpusIds: [corpusId], limit: { kind: 'first' as const, count: 6 } };
    const unreadable = await createRun({ recipeVersionId, selection }, null, { boss, chunkSize: 5 });
    const lost = await createRun({ recipeVersionId, selection }, null, { boss, chunkSize: 5 });
    for (const runId of [unreadable.runId, lost.runId]) {
      await loseChunkJobs(boss, runId);
      await db().runItem.updateMany({ where: { runId }, data: { updatedAt: new Date(Date.now() - 60_000) } });
    }
    // A selection written by an older version, or edited by hand: it no longer parses.
    await db().run.update({ where: { id: unreadable.runId }, data: { selection: { corpusIds: 'not a list' } } });

    const logged: string[] = [];
    const result = await reconcileRuns(boss, queues.pipelineChunk.name, (message) => logged.push(message));
    expect(result.failed).toBeGreaterThanOrEqual(1);
    const failed = await db().run.findUniqueOrThrow({ where: { id: unreadable.runId } });
    expect(failed.status).toBe('FAILED');
    expect(failed.pauseReason).toMatch(/^Recovery failed: /);
    expect(failed.finishedAt).not.toBeNull();
    expect(logged.some((line) => line.includes(unreadable.runId))).toBe(true);
    // The readable run behind it was still re-queued.
    expect(await liveChunkJobs(lost.runId)).toBe(2);
    await cancelRun(lost.runId, null);
  });
});
