/** Sending a run's chunks to the pipeline queue. */
import type { PgBoss } from 'pg-boss';
import { insertJobs } from '@/lib/jobs/send';
import type { ChunkJob } from '@/lib/pipeline/process-chunk';
import { pendingChunks } from '@/lib/pipeline/store';

/** Items per chunk job unless a run says otherwise. Measured with `npm run bench:pipeline`. */
export const DEFAULT_CHUNK_SIZE = 25;

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
