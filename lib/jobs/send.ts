/** Putting work on a queue: the only thing the web process does with jobs when it runs no worker. */
import type { PgBoss, SendOptions } from 'pg-boss';
import { getBoss } from '@/lib/jobs/boss';
import { queues, type JobPayload, type QueueKind } from '@/lib/jobs/queues';

/** Sends one job; the payload is checked against the queue's schema first. Null when a singleton policy refused it. */
export async function sendJob<K extends QueueKind>(kind: K, payload: JobPayload<K>, options: SendOptions = {}, boss?: PgBoss): Promise<string | null> {
  const { name, payload: schema } = queues[kind];
  const data = schema.parse(payload) as object;
  return (boss ?? (await getBoss())).send(name, data, options);
}

/** Sends many jobs in one statement (a run's chunks). */
export async function insertJobs<K extends QueueKind>(kind: K, jobs: readonly { data: JobPayload<K>; singletonKey?: string }[], boss?: PgBoss): Promise<void> {
  const { name, payload: schema } = queues[kind];
  const checked = jobs.map((job) => ({ ...job, data: schema.parse(job.data) as object }));
  await (boss ?? (await getBoss())).insert(name, checked);
}

/** Jobs of a queue for one key that are still waiting, retrying or running. */
export async function liveJobCount(kind: QueueKind, key: string, boss?: PgBoss): Promise<number> {
  const found = await (boss ?? (await getBoss())).findJobs(queues[kind].name, { key });
  return found.filter((job) => job.state === 'created' || job.state === 'retry' || job.state === 'active').length;
}
