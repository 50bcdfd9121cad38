import crypto from 'node:crypto';
import { db } from '@/lib/db/client';

type Status = 'PENDING' | 'KEPT' | 'DROPPED';
type Verdict = 'PASS' | 'FAIL' | 'UNPARSEABLE';

export interface PairSpec {
  topic: string | null;
  status: Status;
  count: number;
  instructionVerdict?: Verdict | null;
  responseVerdict?: Verdict | null;
}

/** A preference dataset with pairs as specified; returns the dataset id and pair ids in spec order. */
export async function createDatasetWithPairs(specs: readonly PairSpec[]): Promise<{ datasetId: string; pairIds: bigint[] }> {
  const dataset = await db().preferenceDataset.create({ data: { name: `audit-test-${crypto.randomUUID()}` } });
  const data = specs.flatMap((spec) =>
    Array.from({ length: spec.count }, (_, index) => ({
      origin: 'IMPORTED' as const,
      datasetId: dataset.id,
      topic: spec.topic,
      instruction: `instruction ${spec.topic ?? 'none'} ${index}`,
      chosen: `chosen ${index}`,
      rejected: `rejected ${index}`,
      status: spec.status,
      instructionVerdict: spec.instructionVerdict ?? null,
      responseVerdict: spec.responseVerdict ?? null,
    })),
  );
  const pairIds: bigint[] = [];
  for (let start = 0; start < data.length; start += 5000) {
    const rows = await db().pair.createManyAndReturn({ data: data.slice(start, start + 5000), select: { id: true } });
    pairIds.push(...rows.map((row) => row.id));
  }
  await db().preferenceDataset.update({ where: { id: dataset.id }, data: { pairCount: data.length } });
  return { datasetId: dataset.id, pairIds };
}
