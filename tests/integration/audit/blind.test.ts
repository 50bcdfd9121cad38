import { afterAll, describe, expect, it } from 'vitest';

import { createAuditInputSchema } from '@/lib/audit/config';
import { createAudit } from '@/lib/audit/create';
import { claimNextItem, releaseExpiredLeases, submitLabel } from '@/lib/audit/review';
import { db, disconnectDb } from '@/lib/db/client';
import { getPairDetail } from '@/lib/review/detail';
import { parsePairQuery } from '@/lib/review/filters';
import { listPairsFor } from '@/lib/review/list';
import type { PairDetail } from '@/lib/review/types';

import { createTestUser } from '../helpers';
import { createDatasetWithPairs } from './fixtures';

afterAll(async () => {
  await disconnectDb();
});

async function newAudit(options: { pairs: number; blind: boolean; reviewersPerItem?: number }) {
  const researcher = await createTestUser('RESEARCHER');
  const { datasetId, pairIds } = await createDatasetWithPairs([{ topic: 'hate', status: 'KEPT', count: options.pairs, instructionVerdict: 'PASS', responseVerdict: 'PASS' }]);
  const input = createAuditInputSchema.parse({
    name: `blind ${options.blind}`,
    scope: { datasetIds: [datasetId] },
    sampleSize: options.pairs,
    seed: `blind-${options.blind}-${options.pairs}`,
    criteria: 'PAIR',
    reviewersPerItem: options.reviewersPerItem ?? 1,
    blind: options.blind,
  });
  const audit = await createAudit(input, researcher);
  return { auditId: audit.id, pairIds, researcher };
}

type Automatic = Pick<PairDetail, 'automaticHidden' | 'status' | 'instructionVerdict' | 'responseVerdict'>;
const automaticOf = (detail: Automatic | null) => ({
  automaticHidden: detail?.automaticHidden,
  status: detail?.status,
  instructionVerdict: detail?.instructionVerdict,
  responseVerdict: detail?.responseVerdict,
});
const hidden = { automaticHidden: true, status: null, instructionVerdict: null, responseVerdict: null };
const shown = { automaticHidden: false, status: 'KEPT', instructionVerdict: 'PASS', responseVerdict: 'PASS' };

describe('blind audits: the pair detail does not give the automatic verdicts away', () => {
  it('hides them from a reviewer who holds the item, and from anyone who can still answer it, until they answered', async () => {
    const { auditId, pairIds, researcher } = await newAudit({ pairs: 2, blind: true });
    const reviewer = await createTestUser('REVIEWER');
    const item = await claimNextItem(auditId, reviewer.id);
    expect(item?.automatic).toBeNull();
    const pairId = BigInt(item!.pair.id);

    // GET /api/review/pairs/{id} answers with getPairDetail(id, the signed-in user).
    const detail = await getPairDetail(pairId, reviewer);
    expect(automaticOf(detail)).toEqual(hidden);
    expect(detail?.stages.some((stage) => stage.verdict !== null)).toBe(false);
    expect(detail?.runItem).toBeNull();
    expect(detail?.audit).toEqual([]);
    expect(JSON.stringify(detail)).not.toMatch(/"(PASS|KEPT)"/);
    // The texts themselves are still there to read.
    expect(detail).toMatchObject({ id: item!.pair.id, instruction: item!.pair.instruction });

    // The other item is not held by anyone yet, but this reviewer (and the researcher) could still be handed it.
    const other = pairIds.find((id) => id !== pairId)!;
    expect(automaticOf(await getPairDetail(other, reviewer))).toEqual(hidden);
    expect(automaticOf(await getPairDetail(pairId, researcher))).toEqual(hidden);

    await submitLabel({ auditId, labelId: item!.labelId, itemId: item!.itemId, pairCorrect: true }, reviewer);
    expect(automaticOf(await getPairDetail(pairId, reviewer))).toEqual(shown);
    // The item is complete (one answer wanted): nobody can answer it any more, so nothing is hidden.
    expect(automaticOf(await getPairDetail(pairId, researcher))).toEqual(shown);
    expect(automaticOf(await getPairDetail(other, reviewer))).toEqual(hidden);

    await db().audit.update({ where: { id: auditId }, data: { status: 'CLOSED' } });
    expect(automaticOf(await getPairDetail(other, reviewer))).toEqual(shown);
  });

  it('leaves them out of the review list rows too (GET /api/review/pairs)', async () => {
    const { auditId, pairIds } = await newAudit({ pairs: 2, blind: true });
    const reviewer = await createTestUser('REVIEWER');
    const item = await claimNextItem(auditId, reviewer.id);
    const datasetId = (await db().pair.findUniqueOrThrow({ where: { id: pairIds[0] } })).datasetId!;
    const parsed = parsePairQuery(new URLSearchParams({ dataset: datasetId }));
    if (!parsed.ok) throw new Error(parsed.error);

    const before = await listPairsFor(reviewer, parsed.query);
    expect(before.rows).toHaveLength(2);
    for (const row of before.rows) expect({ ...automaticOf(row), reasons: [row.instructionReason, row.responseReason] }).toEqual({ ...hidden, reasons: [null, null] });

    // Filtering on a verdict or the decision would tell it: hidden pairs are left out of such lists.
    const verdictFilters: Record<string, string>[] = [{ iv: 'PASS' }, { rv: 'PASS' }, { status: 'KEPT' }, { iv: 'FAIL' }, { status: 'DROPPED' }];
    for (const filter of verdictFilters) {
      const filtered = parsePairQuery(new URLSearchParams({ dataset: datasetId, ...filter }));
      if (!filtered.ok) throw new Error(filtered.error);
      expect((await listPairsFor(reviewer, filtered.query)).rows, JSON.stringify(filter)).toEqual([]);
    }

    await submitLabel({ auditId, labelId: item!.labelId, itemId: item!.itemId, pairCorrect: true }, reviewer);
    const passing = parsePairQuery(new URLSearchParams({ dataset: datasetId, iv: 'PASS' }));
    if (!passing.ok) throw new Error(passing.error);
    expect((await listPairsFor(reviewer, passing.query)).rows.map((row) => row.id)).toEqual([item!.pair.id]);
    const after = await listPairsFor(reviewer, parsed.query);
    const byId = new Map(after.rows.map((row) => [row.id, automaticOf(row)]));
    expect(byId.get(item!.pair.id)).toEqual(shown);
    expect(byId.get(pairIds.find((id) => id.toString() !== item!.pair.id)!.toString())).toEqual(hidden);
  });

  it('shows them when the audit is not blind', async () => {
    const { auditId } = await newAudit({ pairs: 1, blind: false });
    const reviewer = await createTestUser('REVIEWER');
    const item = await claimNextItem(auditId, reviewer.id);
    expect(item?.automatic).not.toBeNull();
    expect(automaticOf(await getPairDetail(BigInt(item!.pair.id), reviewer))).toEqual(shown);
  });
});

describe('audit labels only on items leased to the reviewer', () => {
  async function labelsOf(auditId: string) {
    return db().auditLabel.findMany({ where: { auditItem: { auditId } }, select: { auditItemId: true, reviewerId: true, answeredAt: true } });
  }

  it('refuses an answer for an item that was never handed to the reviewer, and stores nothing', async () => {
    const { auditId } = await newAudit({ pairs: 2, blind: true });
    const [a, b] = [await createTestUser('REVIEWER'), await createTestUser('REVIEWER')];
    const lease = await claimNextItem(auditId, a.id);
    const items = await db().auditItem.findMany({ where: { auditId }, select: { id: true } });
    const notLeased = items.find((row) => row.id.toString() !== lease!.itemId)!.id.toString();

    // A points their own lease at the other item; B, who holds nothing, invents a label id; a forged token does not help.
    await expect(submitLabel({ auditId, labelId: lease!.labelId, itemId: notLeased, pairCorrect: false }, a)).rejects.toThrow(/not leased to you/);
    await expect(submitLabel({ auditId, labelId: '1', itemId: notLeased, pairCorrect: false }, b)).rejects.toThrow(/not leased to you/);
    await expect(submitLabel({ auditId, labelId: lease!.labelId, itemId: notLeased, leaseToken: lease!.leaseToken, pairCorrect: false }, a)).rejects.toThrow(/not leased to you/);
    await expect(submitLabel({ auditId, labelId: '1', itemId: notLeased, leaseToken: 'x'.repeat(43), pairCorrect: false }, b)).rejects.toThrow(/not leased to you/);

    const labels = await labelsOf(auditId);
    expect(labels).toEqual([{ auditItemId: BigInt(lease!.itemId), reviewerId: a.id, answeredAt: null }]);
    expect((await db().auditItem.findUniqueOrThrow({ where: { id: BigInt(notLeased) } })).labelCount).toBe(0);

    // The reviewer's own lease takes its answer.
    await submitLabel({ auditId, labelId: lease!.labelId, itemId: lease!.itemId, pairCorrect: true }, a);
    expect((await labelsOf(auditId)).filter((label) => label.answeredAt !== null)).toHaveLength(1);
  });

  it('still re-takes the reviewer own item when the lease was released while they were answering', async () => {
    const { auditId } = await newAudit({ pairs: 1, blind: true });
    const a = await createTestUser('REVIEWER');
    const lease = await claimNextItem(auditId, a.id);
    await db().auditLabel.update({ where: { id: BigInt(lease!.labelId) }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    expect(await releaseExpiredLeases(auditId)).toBe(1);
    await submitLabel({ auditId, labelId: lease!.labelId, itemId: lease!.itemId, leaseToken: lease!.leaseToken, pairCorrect: true }, a);
    expect(await labelsOf(auditId)).toEqual([{ auditItemId: BigInt(lease!.itemId), reviewerId: a.id, answeredAt: expect.any(Date) }]);
  });
});
