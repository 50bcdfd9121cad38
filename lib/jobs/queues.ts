/**
 * Every pg-boss queue the app uses, with its options. Adding a queue is one entry here; `startBoss`
 * creates them all (idempotently) before any worker or sender touches them.
 */
import type { Queue } from 'pg-boss';

export type QueueOptions = Omit<Queue, 'name'>;

export const queueKinds = ['pipelineChunk', 'evalChunk'] as const;
export type QueueKind = (typeof queueKinds)[number];

export interface QueueDefinition {
  name: string;
  options: QueueOptions;
}

/** Chunk queues: one stately job per chunk, retried with backoff, heartbeats to notice dead workers. */
const chunkQueueOptions: QueueOptions = {
  policy: 'stately',
  heartbeatSeconds: 10,
  expireInSeconds: 12 * 60 * 60,
  retryLimit: 20,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 60,
  deleteAfterSeconds: 24 * 60 * 60,
};

export const queues: Record<QueueKind, QueueDefinition> = {
  /**
   * One job per chunk of run items (`PipelineChunkJob`). `stately` with a singleton key per chunk
   * means a chunk is never processed by two workers at once, and re-sending a chunk (resume, retry,
   * recovery) while it is queued is a no-op. A worker that dies stops sending heartbeats; the job
   * goes back to the queue within `heartbeatSeconds` plus one supervision pass.
   */
  pipelineChunk: {
    name: 'pipeline-chunk',
    options: chunkQueueOptions,
  },
  /** One job per chunk of evaluation items (`EvalChunkJob`), with the same policy as pipeline chunks. */
  evalChunk: { name: 'eval-chunk', options: chunkQueueOptions },
};
