import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/db/client';
import { createAudit, countPopulation } from '@/lib/audit/create';
import { createAuditInputSchema, type CreateAuditInput } from '@/lib/audit/config';
import { sampleStratified, sampleUniform, orderByHashRank } from '@/lib/audit/sampling';
import { cellKey, samplingKey } from '@/lib/audit/cells';
import { UserFacingError } from '@/lib/errors';
import { createTestUser } from '../helpers';
import { createDatasetWithPairs } from './fixtures';

let actor: { id: string; email: string };
let datasetId: string;
/** pair id (as text) → cell */
const cellOf = new Map<string, { verdict: 'kept' | 'dropped'; topic: string }>();

beforeAll(async () => {
  const user = await createTestUser('RESEARCHER');
  actor = { id: user.id, email: user.email };
  const specs = [
    { topic: 'hate', status: 'KEPT' as const, count: 200 },
    { topic: 'nsfw', status: 'KEPT' as const, count: 100 },
    { topic: null, status: 'PENDING' as const, count: 20 },
    { topic: 'hate', status: 'DROPPED' as const, count: 60 },
    { topic: 'nsfw', status: 'DROPPED' as const, count: 20 },
  ];
  const created = await createDatasetWithPairs(specs);
  datasetId = created.datasetId;
  let index = 0;
  for (const spec of specs) {
    for (let i = 0; i < spec.count; i += 1) {
      cellOf.set(created.pairIds[index].toString(), { verdict: spec.status === 'DROPPED' ? 'dropped' : 'kept', topic: spec.topic ?? '' });
      index += 1;
    }
  }
});

afterAll(async () => {
  await disconnectDb();
});

function input(overrides: Partial<CreateAuditInput>) {
  return createAuditInputSchema.parse({
    name: 'test audit',
    scope: { datasetIds: [datasetId] },
    sampleSize: 40,
    seed: 'seed-1',
    criteria: 'PAIR',
    reviewersPerItem: 1,
    ...overrides,
  });
}

async function sampledIds(auditId: string) {
  const items = await db().auditItem.findMany({ where: { auditId }, orderBy: { position: 'asc' }, select: { pairId: true, stratum: true, position: true } });
  return items.map((item) => ({ id: item.pairId.toString(), stratum: item.stratum, position: item.position }));
}

describe('createAudit', () => {
  it('counts the population per verdict group and topic', async () => {
    const cells = await countPopulation({ runIds: [], datasetIds: [datasetId], topics: [] });
    expect(cells).toEqual([
      { verdict: 'dropped', topic: 'hate', count: 60 },
      { verdict: 'dropped', topic: 'nsfw', count: 20 },
      { verdict: 'kept', topic: '', count: 20 },
      { verdict: 'kept', topic: 'hate', count: 200 },
      { verdict: 'kept', topic: 'nsfw', count: 100 },
    ]);
    const hateOnly = await countPopulation({ runIds: [], datasetIds: [datasetId], topics: ['hate'] });
    expect(hateOnly.map((cell) => cell.count)).toEqual([60, 200]);
  });

  it('draws a uniform sample of the kept pairs in SQL that equals the JS hash-rank sample', async () => {
    const created = await createAudit(input({ sampleSize: 40, seed: 'uniform-seed' }), actor);
    expect(created).toMatchObject({ sampleSize: 40, populationSize: 320 });
    const items = await sampledIds(created.id);
    const keptIds = [...cellOf].filter(([, cell]) => cell.verdict === 'kept').map(([id]) => id);
    const expected = sampleUniform(keptIds, 40, 'uniform-seed');
    expect(items.map((item) => item.id)).toEqual(expected);
    expect(items.map((item) => item.position)).toEqual(expected.map((_, index) => index));
    for (const item of items) expect(item.stratum).toBe(cellKey(cellOf.get(item.id)!));

    const strata = await db().auditStratum.findMany({ where: { auditId: created.id }, orderBy: { key: 'asc' } });
    expect(strata.map((s) => [s.key, s.populationSize])).toEqual([
      ['kept:', 20],
      ['kept:hate', 200],
      ['kept:nsfw', 100],
    ]);
    expect(strata.reduce((sum, s) => sum + s.sampleSize, 0)).toBe(40);
    for (const stratum of strata) expect(stratum.sampleSize).toBe(items.filter((item) => item.stratum === stratum.key).length);

    const audit = await db().audit.findUniqueOrThrow({ where: { id: created.id } });
    expect(audit).toMatchObject({ strategy: 'uniform', sampleSize: 40, seed: 'uniform-seed', criteria: 'PAIR', blind: true });
    const log = await db().auditLog.findFirst({ where: { targetType: 'Audit', targetId: created.id, action: 'audit.create' } });
    expect(log?.actorId).toBe(actor.id);
  });

  it('stratifies by topic and verdict exactly like sampleStratified, dropped pairs included', async () => {
    const created = await createAudit(input({ sampleSize: 60, seed: 'strat-seed', stratifyBy: ['topic', 'verdict'] }), actor);
    const items = await sampledIds(created.id);
    const stratifyBy = ['topic', 'verdict'] as const;
    const population = [...cellOf].map(([id, cell]) => ({ id, stratum: samplingKey(cell, stratifyBy) }));
    const expected = sampleStratified(population, 60, 'strat-seed', { minPerStratum: 1 });
    expect(new Set(items.map((item) => item.id))).toEqual(new Set(expected.items.map((item) => item.id)));
    expect(items).toHaveLength(60);
    // Review order is the hash rank across the whole sample.
    expect(items.map((item) => item.id)).toEqual(orderByHashRank(items.map((item) => item.id), 'strat-seed'));
    const strata = await db().auditStratum.findMany({ where: { auditId: created.id } });
    const sampleSizes = Object.fromEntries(strata.map((s) => [s.key, s.sampleSize]));
    expect(sampleSizes).toEqual({
      'dropped:hate': expected.allocation['dropped:hate'],
      'dropped:nsfw': expected.allocation['dropped:nsfw'],
      'kept:': expected.allocation['kept:'],
      'kept:hate': expected.allocation['kept:hate'],
      'kept:nsfw': expected.allocation['kept:nsfw'],
    });
    expect(Object.values(sampleSizes).every((n) => n >= 1)).toBe(true);
    expect(Object.values(sampleSizes).reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('stratifies by verdict only: dropped and kept pairs each a stratum, topics pooled', async () => {
    const created = await createAudit(input({ sampleSize: 50, seed: 'v', stratifyBy: ['verdict'] }), actor);
    const items = await sampledIds(created.id);
    const dropped = items.filter((item) => cellOf.get(item.id)!.verdict === 'dropped').length;
    // 80 of 400 pairs are dropped → 10 of 50.
    expect(dropped).toBe(10);
    expect((await db().audit.findUniqueOrThrow({ where: { id: created.id } })).strategy).toBe('stratified:verdict');
  });

  it('is reproducible from the seed and changes with it', async () => {
    const first = await sampledIds((await createAudit(input({ seed: 'same' }), actor)).id);
    const second = await sampledIds((await createAudit(input({ seed: 'same' }), actor)).id);
    const other = await sampledIds((await createAudit(input({ seed: 'other' }), actor)).id);
    expect(second).toEqual(first);
    expect(other.map((item) => item.id)).not.toEqual(first.map((item) => item.id));
  });

  it('clamps the sample to the population and respects the topic filter', async () => {
    const created = await createAudit(input({ sampleSize: 1000, scope: { datasetIds: [datasetId], topics: ['nsfw'] } }), actor);
    expect(created.sampleSize).toBe(100);
    const items = await sampledIds(created.id);
    expect(items.every((item) => cellOf.get(item.id)!.topic === 'nsfw' && cellOf.get(item.id)!.verdict === 'kept')).toBe(true);
  });

  it('refuses an empty scope and too small a stratified sample, creating nothing', async () => {
    const before = await db().audit.count({ where: { createdById: actor.id } });
    await expect(createAudit(input({ scope: { datasetIds: ['no-such-dataset'] } }), actor)).rejects.toThrow(UserFacingError);
    await expect(createAudit(input({ sampleSize: 3, stratifyBy: ['topic', 'verdict'] }), actor)).rejects.toThrow(/at least 5/);
    expect(await db().audit.count({ where: { createdById: actor.id } })).toBe(before);
  });
});
