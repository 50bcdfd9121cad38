/**
 * Scale check, off by default: AUDIT_SCALE_PAIRS=1000000 npx vitest run --project integration
 * tests/integration/audit/scale.test.ts. Inserts that many pairs with generate_series, then draws a
 * stratified audit and hands out items, printing the timings. No timing assertions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/db/client';
import { createAudit } from '@/lib/audit/create';
import { createAuditInputSchema } from '@/lib/audit/config';
import { claimNextItem, submitLabel } from '@/lib/audit/review';
import { computeAuditStatistics } from '@/lib/audit/statistics';
import { createTestUser } from '../helpers';

const pairs = Number(process.env.AUDIT_SCALE_PAIRS ?? 0);

afterAll(async () => {
  await disconnectDb();
});

describe.skipIf(!pairs)(`an audit over ${pairs} pairs`, () => {
  it('draws the sample in the database and hands out items', async () => {
    const user = await createTestUser('RESEARCHER');
    const actor = { id: user.id, email: user.email };
    const dataset = await db().preferenceDataset.create({ data: { name: `scale-${pairs}` } });
    let started = performance.now();
    await db().$executeRawUnsafe(
      `INSERT INTO "Pair" ("origin", "datasetId", "topic", "instruction", "chosen", "rejected", "status", "responseVerdict", "updatedAt")
       SELECT 'IMPORTED', $1, (ARRAY['hate','self-harm','illegal','nsfw'])[1 + g % 4], 'instruction ' || g, 'chosen', 'rejected',
              (CASE WHEN g % 10 = 0 THEN 'DROPPED' ELSE 'KEPT' END)::"PairStatus", (CASE WHEN g % 10 = 0 THEN 'FAIL' ELSE 'PASS' END)::"Verdict", now()
       FROM generate_series(1, $2::int) AS g`,
      dataset.id,
      pairs,
    );
    await db().$executeRawUnsafe('ANALYZE "Pair"');
    console.log(`inserted ${pairs} pairs in ${Math.round(performance.now() - started)} ms`);

    started = performance.now();
    const created = await createAudit(
      createAuditInputSchema.parse({
        name: 'scale',
        scope: { datasetIds: [dataset.id] },
        sampleSize: 1000,
        stratifyBy: ['topic', 'verdict'],
        seed: 'scale',
        criteria: 'PAIR',
        reviewersPerItem: 1,
      }),
      actor,
    );
    const createMs = Math.round(performance.now() - started);
    expect(created).toMatchObject({ sampleSize: 1000, populationSize: pairs });

    started = performance.now();
    for (let i = 0; i < 50; i += 1) {
      const item = await claimNextItem(created.id, actor.id);
      await submitLabel({ auditId: created.id, labelId: item!.labelId, itemId: item!.itemId, pairCorrect: true }, actor);
    }
    const perAnswerMs = (performance.now() - started) / 50;
    started = performance.now();
    await computeAuditStatistics(created.id);
    const statsMs = Math.round(performance.now() - started);
    console.log(JSON.stringify({ pairs, createAuditMs: createMs, claimAndAnswerMs: Math.round(perAnswerMs * 10) / 10, statisticsMs: statsMs }));
  }, 1_800_000);
});
