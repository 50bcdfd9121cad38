/** Sending a run's chunks to the pipeline queue. */
import type { PgBoss } from 'pg-boss';
import { insertJobs } from '@/lib/jobs/send';
import type { ChunkJob } from '@/lib/pipeline/process-chunk';
import { pendingChunks } from '@/lib/pipeline/store';

/** Items per evaluation chunk job (lib/eval) unless a run says otherwise. */
export const DEFAULT_CHUNK_SIZE = 25;

/**
 * Items per pipeline chunk job unless PIPELINE_CHUNK_SIZE or the run says otherwise. A worker holds
 * PIPELINE_JOBS chunks and advances PIPELINE_ITEMS of their items at once (lib/pipeline/item-slots.ts);
 * held items must outnumber the slots by the stragglers of every held chunk, or slots sit idle.
 * bench:pipeline, fault phase: 10 × 25 held items kept 19 calls of 64 in flight, 10 × 100 with 400
 * slots kept the endpoint at its adaptive limit.
 */
export const DEFAULT_RUN_CHUNK_SIZE = 100;

/**
 * Queues every chunk of the run that still has work. The singleton key names the chunk, so a chunk
 * already waiting is not queued twice and one being worked on is not worked on twice.
 */
export async function enqueueRunChunks(runId: string, chunkSize: number, boss?: PgBoss): Promise<number> {
  const chunks = await pendingChunks(runId, chunkSize);
  if (chunks.length === 0) return 0;
  const jobs = chunks.map((chunk) => {
    const data: ChunkJob = { runId, fromId: chunk.fromId.toString(), toId: chunk.toId.toString() };
    return { data, singletonKey: `${runId}:${data.fromId}` };
  });
  await insertJobs('pipelineChunk', jobs, boss);
  return jobs.length;
}
