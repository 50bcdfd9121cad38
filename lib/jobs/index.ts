export { getBoss, stopBoss, type BossOptions } from '@/lib/jobs/boss';
export { queues, queueKinds, type QueueKind, type QueueDefinition } from '@/lib/jobs/queues';
export { workerDatabaseUrl, portFromPostmasterPid, DatabaseNotFoundError } from '@/lib/jobs/database-url';
