export { getBoss, stopBoss, type BossOptions } from '@/lib/jobs/boss';
export { queues, queueKinds, type QueueKind, type QueueDefinition, type JobPayload } from '@/lib/jobs/queues';
export { sendJob, insertJobs, liveJobCount } from '@/lib/jobs/send';
export { workerDatabaseUrl, portFromPostmasterPid, DatabaseNotFoundError } from '@/lib/jobs/database-url';
