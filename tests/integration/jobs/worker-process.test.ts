import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { closePools } from '@/lib/db/pools';
import { db } from '@/lib/db/client';
import { createBundleExport } from '@/lib/exporters/jobs';
import { cancelImport, markInterruptedImports, queueImport, resumeImport } from '@/lib/importers/jobs/lifecycle';
import { getImportView } from '@/lib/importers/jobs/queries';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { queues } from '@/lib/jobs/queues';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { createRun } from '@/lib/pipeline/runs';

import { createTestUser } from '../helpers';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, uniqueTag, waitForRun } from '../pipeline/helpers';
import { bundleOf, createDataset, queueCorpusImport, startWorkerProcess, stopWorkerProcess, tempDir, waitUntil, writeCorpusFile } from './helpers';

/*
 * This test process runs no worker (it only enqueues, like the web process with IN_APP_WORKER=0);
 * `scripts/worker.ts` child processes do every kind of job.
 */
describe('npm run worker does every kind of job', () => {
  let sim: SimulatorHandle;
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let actor: { id: string; email: string };
  const children: ChildProcess[] = [];
  const output: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ faults: { latencyMs: 5 } });
    temp = await tempDir();
    const user = await createTestUser('ADMIN');
    actor = { id: user.id, email: user.email };
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stopBoss();
    await closePools();
    await sim?.close();
    await temp?.remove();
  });

  it('runs an import, an export and a pipeline run queued by a process without a worker', async () => {
    const tag = uniqueTag('one-worker');
    const rows = 5_000;
    const importId = await queueCorpusImport(await writeCorpusFile(temp.dir, `${tag}-import`, rows), `${tag} imported`);
    const datasetId = await createDataset(`${tag} dataset`, 3_000);
    const exported = await createBundleExport(bundleOf(datasetId, ['trl-standard', 'csv']), actor, { background: 'always' });
    const corpusId = await createSampleCorpus(tag);
    const recipe = await createSimRecipe(tag, await createSimEndpoints(tag, sim.url));
    const run = await createRun({ recipeVersionId: recipe, selection: { corpusIds: [corpusId], limit: { kind: 'sample', size: 20, seed: 'one-worker' } } }, null, { chunkSize: 5 });

    // Nothing moves while no worker runs.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await db().import.findUniqueOrThrow({ where: { id: importId } })).toMatchObject({ status: 'RUNNING', rowsInserted: 0 });
    expect((await db().export.findUniqueOrThrow({ where: { id: exported.id } })).status).toBe('QUEUED');
    expect(await db().runItem.count({ where: { runId: run.runId, state: { not: 'PENDING' } } })).toBe(0);

    const worker = startWorkerProcess(output);
    children.push(worker);
    await waitUntil(async () => (await db().import.findUniqueOrThrow({ where: { id: importId } })).status === 'COMPLETED', 90_000, 'the import', output);
    await waitUntil(async () => (await db().export.findUniqueOrThrow({ where: { id: exported.id } })).status === 'COMPLETED', 90_000, 'the export', output);
    await waitForRun(run.runId, ['COMPLETED'], 90_000);

    const imported = await db().import.findUniqueOrThrow({ where: { id: importId } });
    expect(imported).toMatchObject({ rowsRead: rows, rowsInserted: rows, errorCount: 0 });
    expect(await db().sourceText.count({ where: { importId } })).toBe(rows);
    const exportRow = await db().export.findUniqueOrThrow({ where: { id: exported.id } });
    expect(exportRow.rowsWritten).toBe(3_000);
    expect(exportRow.filePath && existsSync(exportRow.filePath)).toBe(true);
    expect(await db().runItem.count({ where: { runId: run.runId, state: 'PENDING' } })).toBe(0);

    expect(await stopWorkerProcess(worker, 'SIGTERM')).toBe(0);
  }, 180_000);

  it('a worker SIGKILLed mid-import and mid-export: a fresh worker finishes both correctly', async () => {
    const tag = uniqueTag('killed-worker');
    const rows = 150_000;
    const pairs = 150_000;
    const datasetId = await createDataset(`${tag} dataset`, pairs);
    const importId = await queueCorpusImport(await writeCorpusFile(temp.dir, `${tag}-import`, rows), `${tag} imported`);
    const exported = await createBundleExport(bundleOf(datasetId, ['trl-standard', 'trl-conversational', 'openai-preference', 'csv', 'parquet']), actor, { background: 'always' });

    const first = startWorkerProcess(output);
    children.push(first);
    await waitUntil(
      async () => {
        const [imp, exp] = await Promise.all([db().import.findUniqueOrThrow({ where: { id: importId } }), db().export.findUniqueOrThrow({ where: { id: exported.id } })]);
        return imp.rowsInserted >= 2_000 && exp.status === 'RUNNING' && exp.rowsWritten > 0;
      },
      120_000,
      'both jobs under way',
      output,
    );
    await stopWorkerProcess(first, 'SIGKILL');

    // Killed mid-way: neither looks complete.
    const importAtDeath = await db().import.findUniqueOrThrow({ where: { id: importId } });
    const exportAtDeath = await db().export.findUniqueOrThrow({ where: { id: exported.id } });
    expect(importAtDeath.status).toBe('RUNNING');
    expect(importAtDeath.rowsInserted).toBeLessThan(rows);
    expect(exportAtDeath.status).toBe('RUNNING');
    expect(exportAtDeath.rowsWritten).toBeLessThan(pairs);

    const second = startWorkerProcess(output);
    children.push(second);
    await waitUntil(async () => (await db().import.findUniqueOrThrow({ where: { id: importId } })).status === 'COMPLETED', 150_000, 'the import after the kill', output);
    await waitUntil(async () => (await db().export.findUniqueOrThrow({ where: { id: exported.id } })).status === 'COMPLETED', 150_000, 'the export after the kill', output);

    // The import continued after its last committed row: every row exactly once.
    const imported = await db().import.findUniqueOrThrow({ where: { id: importId } });
    expect(imported).toMatchObject({ rowsRead: rows, rowsInserted: rows, duplicates: 0, errorCount: 0 });
    expect(await db().sourceText.count({ where: { importId } })).toBe(rows);
    expect((await db().corpus.findUniqueOrThrow({ where: { id: imported.corpusId! } })).itemCount).toBe(rows);
    // Taken over by a retry of the same job, not by the sweep and a manual resume.
    expect((imported.options as { state: { runToken: string | null } }).state.runToken ?? '').toContain('#');

    // The export was written again from the start: every pair once in each format.
    const exportRow = await db().export.findUniqueOrThrow({ where: { id: exported.id } });
    expect(exportRow).toMatchObject({ status: 'COMPLETED', rowsWritten: pairs, error: null });
    expect(exportRow.filePath && existsSync(exportRow.filePath)).toBe(true);
    const files = (exportRow.files as { files: { format?: string; rows: number }[] }).files.filter((file) => file.format !== undefined);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) expect(file.rows).toBe(pairs);

    expect(await stopWorkerProcess(second, 'SIGTERM')).toBe(0);
  }, 420_000);

  it('progress, cancel, and crash → failed → resume, with the import running in a worker process', async () => {
    const tag = uniqueTag('worker-lifecycle');
    const rows = 100_000;
    const worker = startWorkerProcess(output);
    children.push(worker);

    // Progress shows while it runs; cancel stops it and removes what it stored.
    const cancelled = await queueCorpusImport(await writeCorpusFile(temp.dir, `${tag}-cancel`, rows), `${tag} cancelled`);
    await waitUntil(async () => (await db().import.findUniqueOrThrow({ where: { id: cancelled } })).rowsInserted >= 2_000, 120_000, 'rows of the import to cancel', output);
    const seen = (await db().import.findUniqueOrThrow({ where: { id: cancelled } })).rowsInserted;
    await waitUntil(async () => (await db().import.findUniqueOrThrow({ where: { id: cancelled } })).rowsInserted > seen, 30_000, 'more progress', output);
    await cancelImport(cancelled, actor);
    await waitUntil(async () => (await db().sourceText.count({ where: { importId: cancelled } })) === 0, 60_000, 'the cancelled rows to go', output);
    expect((await db().import.findUniqueOrThrow({ where: { id: cancelled } })).status).toBe('CANCELLED');

    // Crash, and pg-boss gives up on the job (as after its last retry): the sweep marks the import
    // FAILED and resumable, and a resume continues after the last committed row in a new worker.
    const crashed = await queueCorpusImport(await writeCorpusFile(temp.dir, `${tag}-crash`, rows), `${tag} crashed`);
    await waitUntil(async () => (await db().import.findUniqueOrThrow({ where: { id: crashed } })).rowsInserted >= 2_000, 120_000, 'rows of the import to crash', output);
    await stopWorkerProcess(worker, 'SIGKILL');
    const boss = await getBoss();
    const [job] = await boss.findJobs(queues.import.name, { key: crashed });
    await boss.cancel(queues.import.name, job.id);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await markInterruptedImports({ staleAfterSeconds: 2 })).interrupted).toContain(crashed);
    const failed = await getImportView(crashed);
    expect(failed).toMatchObject({ status: 'FAILED', resumable: true });
    expect(await db().sourceText.count({ where: { importId: crashed } })).toBe(failed!.rowsInserted);

    const fresh = startWorkerProcess(output);
    children.push(fresh);
    const { token } = await resumeImport(crashed, actor);
    await queueImport(crashed, token);
    await waitUntil(async () => (await db().import.findUniqueOrThrow({ where: { id: crashed } })).status === 'COMPLETED', 150_000, 'the resumed import', output);
    expect(await db().import.findUniqueOrThrow({ where: { id: crashed } })).toMatchObject({ rowsRead: rows, rowsInserted: rows, duplicates: 0, errorCount: 0 });
    expect(await db().sourceText.count({ where: { importId: crashed } })).toBe(rows);
    expect(await stopWorkerProcess(fresh, 'SIGTERM')).toBe(0);
  }, 420_000);
});
