import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '@/lib/db/generated/client';
import { db, disconnectDb } from '@/lib/db/client';
import { createAudit } from '@/lib/audit/create';
import { createAuditInputSchema } from '@/lib/audit/config';
import { claimNextItem, submitLabel, undoLastLabel } from '@/lib/audit/review';
import { createTestUser } from '../helpers';
import { createDatasetWithPairs } from './fixtures';

type Reviewer = { id: string; email: string; client: PrismaClient };

let researcher: { id: string; email: string };
const reviewers: Reviewer[] = [];

beforeAll(async () => {
  const user = await createTestUser('RESEARCHER');
  researcher = { id: user.id, email: user.email };
  for (let i = 0; i < 5; i += 1) {
    const reviewer = await createTestUser('REVIEWER');
    // Each reviewer has its own connection pool: their statements really run at the same time.
    const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 2 }) });
    reviewers.push({ id: reviewer.id, email: reviewer.email, client });
  }
});

afterAll(async () => {
  await Promise.all(reviewers.map((reviewer) => reviewer.client.$disconnect()));
  await disconnectDb();
});

async function newAudit(pairs: number, reviewersPerItem: number, criteria: 'PAIR' | 'BOTH' = 'PAIR') {
  const { datasetId } = await createDatasetWithPairs([{ topic: 'hate', status: 'KEPT', count: pairs, responseVerdict: 'PASS' }]);
  const input = createAuditInputSchema.parse({
    name: `concurrency ${reviewersPerItem}`,
    scope: { datasetIds: [datasetId] },
    sampleSize: pairs,
    seed: `c-${reviewersPerItem}-${pairs}`,
    criteria,
    reviewersPerItem,
  });
  return (await createAudit(input, researcher)).id;
}

type Submitted = { reviewerId: string; itemId: string; labelId: string; pairCorrect: boolean };

/** A reviewer pulling and answering until nothing is left; returns what they submitted. */
async function reviewUntilDone(reviewer: Reviewer, auditId: string, seen: Map<string, Set<string>>): Promise<Submitted[]> {
  const submitted: Submitted[] = [];
  const mine = new Set<string>();
  seen.set(reviewer.id, mine);
  for (;;) {
    const item = await claimNextItem(auditId, reviewer.id, reviewer.client);
    if (!item) return submitted;
    if (mine.has(item.itemId)) throw new Error(`reviewer ${reviewer.email} got item ${item.itemId} twice`);
    mine.add(item.itemId);
    const pairCorrect = (Number(item.itemId) + reviewer.id.length) % 3 !== 0;
    await submitLabel({ auditId, labelId: item.labelId, itemId: item.itemId, pairCorrect }, reviewer, reviewer.client);
    submitted.push({ reviewerId: reviewer.id, itemId: item.itemId, labelId: item.labelId, pairCorrect });
  }
}

async function labelsOf(auditId: string) {
  return db().auditLabel.findMany({ where: { auditItem: { auditId } }, select: { id: true, auditItemId: true, reviewerId: true, pairCorrect: true, answeredAt: true } });
}

describe('handing out audit items to 5 reviewers at once', () => {
  it('with two reviewers per item: never double-assigns, never exceeds the quota, never loses a label', async () => {
    const auditId = await newAudit(40, 2);
    const seen = new Map<string, Set<string>>();
    const results = await Promise.all(reviewers.map((reviewer) => reviewUntilDone(reviewer, auditId, seen)));
    const submitted = results.flat();

    const labels = await labelsOf(auditId);
    expect(submitted).toHaveLength(80);
    expect(labels).toHaveLength(80);
    expect(labels.every((label) => label.answeredAt !== null)).toBe(true);
    // Every submitted answer is stored exactly as given, on the label it was given for.
    const byId = new Map(labels.map((label) => [label.id.toString(), label]));
    for (const answer of submitted) {
      const stored = byId.get(answer.labelId);
      expect(stored, `label ${answer.labelId}`).toBeDefined();
      expect(stored!.reviewerId).toBe(answer.reviewerId);
      expect(stored!.auditItemId.toString()).toBe(answer.itemId);
      expect(stored!.pairCorrect).toBe(answer.pairCorrect);
    }
    const items = await db().auditItem.findMany({ where: { auditId }, select: { id: true, labelCount: true } });
    for (const item of items) {
      const rows = labels.filter((label) => label.auditItemId === item.id);
      expect(rows).toHaveLength(2);
      expect(item.labelCount).toBe(2);
      expect(new Set(rows.map((row) => row.reviewerId)).size).toBe(2);
    }
    // More than one reviewer actually took part.
    expect(results.filter((result) => result.length > 0).length).toBeGreaterThan(1);
  });

  it('with one reviewer per item: simultaneous pulls always get distinct items', async () => {
    const auditId = await newAudit(25, 1);
    const claimed: string[] = [];
    for (let round = 0; round < 10; round += 1) {
      const items = await Promise.all(reviewers.map((reviewer) => claimNextItem(auditId, reviewer.id, reviewer.client)));
      const got = items.filter((item) => item !== null);
      expect(new Set(got.map((item) => item.itemId)).size).toBe(got.length);
      claimed.push(...got.map((item) => item.itemId));
      await Promise.all(
        items.map((item, index) =>
          item ? submitLabel({ auditId, labelId: item.labelId, itemId: item.itemId, pairCorrect: true }, reviewers[index], reviewers[index].client) : null,
        ),
      );
      if (got.length === 0) break;
    }
    expect(claimed).toHaveLength(25);
    expect(new Set(claimed).size).toBe(25);
    const labels = await labelsOf(auditId);
    expect(labels).toHaveLength(25);
    expect(labels.every((label) => label.answeredAt !== null && label.pairCorrect === true)).toBe(true);
  });

  it('gives a reviewer their unanswered lease back instead of a second item', async () => {
    const auditId = await newAudit(5, 1);
    const [reviewer] = reviewers;
    const first = await claimNextItem(auditId, reviewer.id, reviewer.client);
    const again = await claimNextItem(auditId, reviewer.id, reviewer.client);
    expect(again?.itemId).toBe(first?.itemId);
    const concurrent = await Promise.all([0, 1, 2].map(() => claimNextItem(auditId, reviewers[1].id, reviewers[1].client)));
    expect(new Set(concurrent.map((item) => item?.itemId)).size).toBe(1);
    expect(await db().auditLabel.count({ where: { auditItem: { auditId } } })).toBe(2);
  });

  it('returns an expired lease to the pool; the late answer is refused with a message, not lost silently', async () => {
    const auditId = await newAudit(1, 1);
    const [a, b] = reviewers;
    const leaseA = await claimNextItem(auditId, a.id, a.client);
    expect(leaseA).not.toBeNull();
    expect(await claimNextItem(auditId, b.id, b.client)).toBeNull();
    await db().auditLabel.update({ where: { id: BigInt(leaseA!.labelId) }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    const leaseB = await claimNextItem(auditId, b.id, b.client);
    expect(leaseB?.itemId).toBe(leaseA!.itemId);
    // The late answer carries its lease token (as the review screen sends it): refused because B holds the item now.
    await expect(submitLabel({ auditId, labelId: leaseA!.labelId, itemId: leaseA!.itemId, leaseToken: leaseA!.leaseToken, pairCorrect: false }, a, a.client)).rejects.toThrow(/expired/);
    await submitLabel({ auditId, labelId: leaseB!.labelId, itemId: leaseB!.itemId, pairCorrect: true }, b, b.client);
    const labels = await labelsOf(auditId);
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({ reviewerId: b.id, pairCorrect: true });
    const item = await db().auditItem.findFirstOrThrow({ where: { auditId } });
    expect(item.labelCount).toBe(1);
  });

  it('an expired but unreleased lease still takes its answer', async () => {
    const auditId = await newAudit(2, 1);
    const [a] = reviewers;
    const lease = await claimNextItem(auditId, a.id, a.client);
    await db().auditLabel.update({ where: { id: BigInt(lease!.labelId) }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    await submitLabel({ auditId, labelId: lease!.labelId, itemId: lease!.itemId, pairCorrect: true }, a, a.client);
    const next = await claimNextItem(auditId, a.id, a.client);
    expect(next?.itemId).not.toBe(lease!.itemId);
    expect(await db().auditLabel.count({ where: { auditItem: { auditId }, answeredAt: { not: null } } })).toBe(1);
  });
});

describe('answers, blind mode, undo and the pair outcome', () => {
  it('hides the automatic verdict until answered, sets Pair.auditOutcome, and undoes', async () => {
    const auditId = await newAudit(3, 1);
    const [a] = reviewers;
    const item = await claimNextItem(auditId, a.id, a.client);
    expect(item!.automatic).toBeNull();
    const answered = await submitLabel({ auditId, labelId: item!.labelId, itemId: item!.itemId, pairCorrect: false, reasonTags: ['chosen is unsafe'], note: ' too vague ' }, a, a.client);
    expect(answered.automatic).toMatchObject({ status: 'KEPT', responseVerdict: 'PASS' });
    expect(answered.answer).toEqual({ instructionValid: null, pairCorrect: false, reasonTags: ['chosen is unsafe'], note: 'too vague' });
    const pairId = BigInt(answered.pairId);
    expect((await db().pair.findUniqueOrThrow({ where: { id: pairId } })).auditOutcome).toBe('REJECTED');
    expect(await db().auditLog.count({ where: { targetType: 'Pair', targetId: answered.pairId, action: 'pair.audit_outcome' } })).toBe(1);

    await claimNextItem(auditId, a.id, a.client); // holds the next item
    const undone = await undoLastLabel(auditId, a, a.client);
    expect(undone.itemId).toBe(item!.itemId);
    expect(undone.automatic).toBeNull();
    expect(undone.previousAnswer).toMatchObject({ pairCorrect: false, reasonTags: ['chosen is unsafe'] });
    expect((await db().pair.findUniqueOrThrow({ where: { id: pairId } })).auditOutcome).toBe('NONE');
    // The other lease went back to the pool: the counts stay exact.
    const items = await db().auditItem.findMany({ where: { auditId }, include: { labels: true } });
    for (const row of items) expect(row.labelCount).toBe(row.labels.length);
    expect(items.reduce((sum, row) => sum + row.labels.length, 0)).toBe(1);

    await submitLabel({ auditId, labelId: undone.labelId, itemId: undone.itemId, pairCorrect: true }, a, a.client);
    expect((await db().pair.findUniqueOrThrow({ where: { id: pairId } })).auditOutcome).toBe('ACCEPTED');
  });

  it('rejects on a split vote and validates answers against the criteria', async () => {
    const auditId = await newAudit(1, 2, 'BOTH');
    const [a, b] = reviewers;
    const itemA = await claimNextItem(auditId, a.id, a.client);
    const itemB = await claimNextItem(auditId, b.id, b.client);
    expect(itemB!.itemId).toBe(itemA!.itemId);
    await expect(submitLabel({ auditId, labelId: itemA!.labelId, itemId: itemA!.itemId, pairCorrect: true }, a, a.client)).rejects.toThrow(/instruction is valid/);
    await expect(
      submitLabel({ auditId, labelId: itemA!.labelId, itemId: itemA!.itemId, instructionValid: true, pairCorrect: true, reasonTags: ['made up'] }, a, a.client),
    ).rejects.toThrow(/not one of this audit/);
    const accepted = await submitLabel({ auditId, labelId: itemA!.labelId, itemId: itemA!.itemId, instructionValid: true, pairCorrect: true }, a, a.client);
    expect((await db().pair.findUniqueOrThrow({ where: { id: BigInt(accepted.pairId) } })).auditOutcome).toBe('ACCEPTED');
    await submitLabel({ auditId, labelId: itemB!.labelId, itemId: itemB!.itemId, instructionValid: true, pairCorrect: false }, b, b.client);
    expect((await db().pair.findUniqueOrThrow({ where: { id: BigInt(accepted.pairId) } })).auditOutcome).toBe('REJECTED');
    await expect(submitLabel({ auditId, labelId: itemB!.labelId, itemId: itemB!.itemId, instructionValid: true, pairCorrect: true }, b, b.client)).rejects.toThrow(/already answered/);
  });
});
