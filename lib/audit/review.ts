/**
 * Handing out audit items and recording answers.
 *
 * Invariants (the concurrency integration test checks them with parallel connections):
 * - AuditItem.labelCount = the item's label rows (answers + unexpired leases), maintained by the
 *   statements below and never by a read-modify-write in JS.
 * - An item never has more than reviewersPerItem label rows, and a reviewer never has two rows on
 *   one item (unique index).
 *
 * "Next item" is ONE statement: pick the first item by position with room left and no row of this
 * reviewer, `FOR UPDATE SKIP LOCKED` so concurrent reviewers never wait on each other, bump its
 * labelCount and insert the lease. Because the bump writes the item row, a concurrent statement
 * that took its snapshot before our commit re-checks `labelCount < reviewersPerItem` on the new
 * row version when it locks it (PostgreSQL's EvalPlanQual) instead of trusting its stale count.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { db, Prisma, type PrismaClient } from '@/lib/db/client';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { LEASE_SECONDS, criteriaJudgements, parseAuditSettings, type AuditCriteriaName } from '@/lib/audit/config';
import { humanMajority, labelAccepts } from '@/lib/audit/summary';
import { z } from 'zod';

type Client = PrismaClient | Prisma.TransactionClient;

export interface AutomaticVerdict {
  status: 'PENDING' | 'KEPT' | 'DROPPED';
  instructionVerdict: 'PASS' | 'FAIL' | 'UNPARSEABLE' | null;
  instructionReason: string | null;
  responseVerdict: 'PASS' | 'FAIL' | 'UNPARSEABLE' | null;
  responseReason: string | null;
}

export interface LabelAnswer {
  instructionValid: boolean | null;
  pairCorrect: boolean | null;
  reasonTags: string[];
  note: string | null;
}

export interface ReviewItemView {
  auditId: string;
  labelId: string;
  itemId: string;
  /** 1-based place in the audit's review order. */
  position: number;
  leaseExpiresAt: string;
  /** Proof that this item was handed to this reviewer; lets an answer re-take the item after the lease was released. */
  leaseToken: string;
  pair: { id: string; topic: string | null; instruction: string; chosen: string | null; rejected: string | null; simulated: boolean };
  /** Hidden (null) in blind audits until the reviewer has answered. */
  automatic: AutomaticVerdict | null;
  /** The answer this reviewer gave before undoing it, to show what is being changed. */
  previousAnswer: LabelAnswer | null;
}

export interface AnsweredItem {
  itemId: string;
  pairId: string;
  position: number;
  answer: LabelAnswer;
  automatic: AutomaticVerdict;
}

interface AuditForReview {
  id: string;
  status: 'OPEN' | 'CLOSED';
  criteria: AuditCriteriaName;
  reviewersPerItem: number;
  blind: boolean;
  reasonTags: string[];
}

async function auditForReview(auditId: string, client: Client): Promise<AuditForReview> {
  const audit = await client.audit.findUnique({
    where: { id: auditId },
    select: { id: true, status: true, criteria: true, reviewersPerItem: true, blind: true, scope: true },
  });
  if (!audit) throw new UserFacingError('This audit does not exist.');
  return { ...audit, reasonTags: parseAuditSettings(audit.scope).reasonTags };
}

function assertOpen(audit: AuditForReview): void {
  if (audit.status !== 'OPEN') throw new UserFacingError('This audit is closed.');
}

/** Deletes unanswered leases that have expired and gives their slots back. Idempotent under concurrency. */
export async function releaseExpiredLeases(auditId: string, client: Client = db()): Promise<number> {
  const rows = await client.$queryRawUnsafe<{ released: number }[]>(
    `WITH expired AS (
       DELETE FROM "AuditLabel" l USING "AuditItem" i
       WHERE l."auditItemId" = i."id" AND i."auditId" = $1 AND l."answeredAt" IS NULL AND l."leaseExpiresAt" < now()
       RETURNING l."auditItemId"
     ), counts AS (
       SELECT "auditItemId", count(*)::int AS n FROM expired GROUP BY 1
     ), updated AS (
       UPDATE "AuditItem" i SET "labelCount" = i."labelCount" - c.n FROM counts c WHERE i."id" = c."auditItemId" RETURNING c.n
     )
     SELECT COALESCE(sum(n), 0)::int AS released FROM updated`,
    auditId,
  );
  return Number(rows[0]?.released ?? 0);
}

/** Releases this reviewer's unanswered leases in the audit, except `keepLabelId`. */
async function releaseReviewerLeases(auditId: string, reviewerId: string, keepLabelId: bigint | null, client: Client): Promise<void> {
  await client.$executeRawUnsafe(
    `WITH released AS (
       DELETE FROM "AuditLabel" l USING "AuditItem" i
       WHERE l."auditItemId" = i."id" AND i."auditId" = $1 AND l."reviewerId" = $2 AND l."answeredAt" IS NULL
         AND ($3::bigint IS NULL OR l."id" <> $3::bigint)
       RETURNING l."auditItemId"
     ), counts AS (
       SELECT "auditItemId", count(*)::int AS n FROM released GROUP BY 1
     )
     UPDATE "AuditItem" i SET "labelCount" = i."labelCount" - c.n FROM counts c WHERE i."id" = c."auditItemId"`,
    auditId,
    reviewerId,
    keepLabelId,
  );
}

/**
 * The atomic hand-out. `onlyItemId` restricts it to one item (to re-take an item whose lease
 * expired while the reviewer was answering). Returns the new label id, or null.
 */
async function claimStatement(audit: AuditForReview, reviewerId: string, onlyItemId: bigint | null, client: Client): Promise<bigint | null> {
  const rows = await client.$queryRawUnsafe<{ id: bigint }[]>(
    `WITH candidate AS (
       SELECT i."id" FROM "AuditItem" i
       WHERE i."auditId" = $1 AND i."labelCount" < $2
         AND ($5::bigint IS NULL OR i."id" = $5::bigint)
         AND NOT EXISTS (SELECT 1 FROM "AuditLabel" l WHERE l."auditItemId" = i."id" AND l."reviewerId" = $3)
       ORDER BY i."position"
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     ), bumped AS (
       UPDATE "AuditItem" i SET "labelCount" = i."labelCount" + 1 FROM candidate c WHERE i."id" = c."id" RETURNING i."id"
     )
     INSERT INTO "AuditLabel" ("auditItemId", "reviewerId", "leaseExpiresAt")
     SELECT b."id", $3, now() + make_interval(secs => $4) FROM bumped b
     RETURNING "id"`,
    audit.id,
    audit.reviewersPerItem,
    reviewerId,
    LEASE_SECONDS,
    onlyItemId,
  );
  return rows[0] ? BigInt(rows[0].id) : null;
}

/** Whether some item still has room for this reviewer (ignoring row locks). */
async function hasOpenItem(audit: AuditForReview, reviewerId: string, client: Client): Promise<boolean> {
  const rows = await client.$queryRawUnsafe<{ open: boolean }[]>(
    `SELECT EXISTS (
       SELECT 1 FROM "AuditItem" i
       WHERE i."auditId" = $1 AND i."labelCount" < $2
         AND NOT EXISTS (SELECT 1 FROM "AuditLabel" l WHERE l."auditItemId" = i."id" AND l."reviewerId" = $3)
     ) AS open`,
    audit.id,
    audit.reviewersPerItem,
    reviewerId,
  );
  return Boolean(rows[0]?.open);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The reviewer's current item: their unanswered lease in this audit if they have one (extended),
 * otherwise a newly claimed item. null when nothing is left for them.
 */
export async function claimNextItem(auditId: string, reviewerId: string, client: PrismaClient = db()): Promise<ReviewItemView | null> {
  const audit = await auditForReview(auditId, client);
  assertOpen(audit);
  await releaseExpiredLeases(audit.id, client);

  // SKIP LOCKED can pass over an item another reviewer is claiming right now that still has room
  // afterwards; a few quick retries keep "nothing left" honest.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const outcome = await client.$transaction(async (tx): Promise<{ labelId: bigint } | 'none' | 'retry'> => {
      // One reviewer pulling from two tabs at once gets one item, not two: their pulls queue on this
      // lock (other reviewers never wait), and each later statement sees the earlier lease.
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, `audit-claim:${audit.id}:${reviewerId}`);
      const current = await tx.auditLabel.findFirst({
        where: { reviewerId, answeredAt: null, auditItem: { auditId } },
        orderBy: { createdAt: 'asc' },
        select: { id: true },
      });
      if (current) {
        await tx.auditLabel.update({ where: { id: current.id }, data: { leaseExpiresAt: new Date(Date.now() + LEASE_SECONDS * 1000) } });
        return { labelId: current.id };
      }
      const labelId = await claimStatement(audit, reviewerId, null, tx);
      if (labelId !== null) return { labelId };
      return (await hasOpenItem(audit, reviewerId, tx)) ? 'retry' : 'none';
    });
    if (outcome === 'none') return null;
    if (outcome !== 'retry') return itemView(audit, outcome.labelId, null, client);
    await sleep(10 + attempt * 5);
  }
  return null;
}

async function itemView(audit: AuditForReview, labelId: bigint, previousAnswer: LabelAnswer | null, client: Client): Promise<ReviewItemView> {
  const label = await client.auditLabel.findUniqueOrThrow({
    where: { id: labelId },
    select: {
      id: true,
      reviewerId: true,
      leaseExpiresAt: true,
      answeredAt: true,
      auditItem: {
        select: {
          id: true,
          position: true,
          pair: {
            select: {
              id: true,
              topic: true,
              instruction: true,
              chosen: true,
              rejected: true,
              simulated: true,
              status: true,
              instructionVerdict: true,
              instructionReason: true,
              responseVerdict: true,
              responseReason: true,
            },
          },
        },
      },
    },
  });
  const pair = label.auditItem.pair;
  const showVerdict = !audit.blind || label.answeredAt !== null;
  return {
    auditId: audit.id,
    labelId: label.id.toString(),
    itemId: label.auditItem.id.toString(),
    leaseToken: leaseToken({ auditId: audit.id, itemId: label.auditItem.id, labelId: label.id, reviewerId: label.reviewerId }),
    position: label.auditItem.position + 1,
    leaseExpiresAt: label.leaseExpiresAt.toISOString(),
    pair: { id: pair.id.toString(), topic: pair.topic, instruction: pair.instruction, chosen: pair.chosen, rejected: pair.rejected, simulated: pair.simulated },
    automatic: showVerdict ? automaticOf(pair) : null,
    previousAnswer,
  };
}

function automaticOf(pair: AutomaticVerdict): AutomaticVerdict {
  return {
    status: pair.status,
    instructionVerdict: pair.instructionVerdict,
    instructionReason: pair.instructionReason,
    responseVerdict: pair.responseVerdict,
    responseReason: pair.responseReason,
  };
}

export const submitLabelSchema = z.object({
  auditId: z.string().min(1).max(100),
  labelId: z.string().regex(/^\d{1,19}$/),
  itemId: z.string().regex(/^\d{1,19}$/),
  instructionValid: z.boolean().nullable().default(null),
  pairCorrect: z.boolean().nullable().default(null),
  reasonTags: z.array(z.string().max(60)).max(9).default([]),
  note: z.string().max(4000).nullable().default(null),
  leaseToken: z.string().max(200).optional(),
});
export type SubmitLabelInput = z.input<typeof submitLabelSchema>;

function validateAnswer(audit: AuditForReview, input: z.output<typeof submitLabelSchema>): LabelAnswer {
  const asks = criteriaJudgements[audit.criteria].asks;
  if (asks.includes('instruction') !== (input.instructionValid !== null)) {
    throw new UserFacingError(asks.includes('instruction') ? 'Say whether the instruction is valid.' : 'This audit does not judge the instruction.');
  }
  if (asks.includes('pair') !== (input.pairCorrect !== null)) {
    throw new UserFacingError(asks.includes('pair') ? 'Say whether the pair is correct.' : 'This audit does not judge the pair.');
  }
  const unknownTag = input.reasonTags.find((tag) => !audit.reasonTags.includes(tag));
  if (unknownTag !== undefined) throw new UserFacingError(`"${unknownTag}" is not one of this audit's reason tags.`);
  const note = input.note?.trim() ? input.note.trim() : null;
  return { instructionValid: input.instructionValid, pairCorrect: input.pairCorrect, reasonTags: [...new Set(input.reasonTags)], note };
}

type LeaseIdentity = { auditId: string; itemId: bigint; labelId: bigint; reviewerId: string };

function leaseSecret(): string {
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) throw new Error('NEXTAUTH_SECRET is not set; start the app with `npm start` (it generates one).');
  return secret;
}

/**
 * A lease row is deleted when it expires, so the row cannot prove later that the item was handed
 * to this reviewer; this signature (keyed with the session secret) can.
 */
export function leaseToken(lease: LeaseIdentity): string {
  return createHmac('sha256', leaseSecret())
    .update(`audit-lease\n${lease.auditId}\n${lease.itemId}\n${lease.labelId}\n${lease.reviewerId}`)
    .digest('base64url');
}

function leaseTokenIsValid(token: string, lease: LeaseIdentity): boolean {
  const expected = Buffer.from(leaseToken(lease));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Records the reviewer's answer on their lease and updates the pair's audit outcome. A lease that
 * expired but was not yet released still takes the answer; one already released is re-taken if the
 * item still has room and the answer carries the lease's token, otherwise the answer is refused
 * with a message (never dropped silently). Without a lease or its token nothing is recorded.
 */
export async function submitLabel(
  rawInput: SubmitLabelInput,
  reviewer: NonNullable<AuditActor>,
  client: PrismaClient = db(),
): Promise<AnsweredItem> {
  const input = submitLabelSchema.parse(rawInput);
  const audit = await auditForReview(input.auditId, client);
  assertOpen(audit);
  const answer = validateAnswer(audit, input);
  const itemId = BigInt(input.itemId);

  return client.$transaction(async (tx) => {
    const data = { ...answer, answeredAt: new Date() };
    const updated = await tx.auditLabel.updateMany({
      where: { id: BigInt(input.labelId), reviewerId: reviewer.id, answeredAt: null, auditItemId: itemId, auditItem: { auditId: audit.id } },
      data,
    });
    if (updated.count === 0) {
      const existing = await tx.auditLabel.findUnique({ where: { auditItemId_reviewerId: { auditItemId: itemId, reviewerId: reviewer.id } }, select: { answeredAt: true } });
      if (existing?.answeredAt) throw new UserFacingError('You have already answered this item.');
      const item = await tx.auditItem.findFirst({ where: { id: itemId, auditId: audit.id }, select: { id: true } });
      if (!item) throw new UserFacingError('This item is not part of the audit.');
      // Only an item that was handed to this reviewer may be re-taken; any other would be a label nobody leased.
      if (!input.leaseToken || !leaseTokenIsValid(input.leaseToken, { auditId: audit.id, itemId, labelId: BigInt(input.labelId), reviewerId: reviewer.id })) {
        throw new UserFacingError('This item is not leased to you, so this answer was not saved. Take the next item.');
      }
      const retaken = await claimStatement(audit, reviewer.id, itemId, tx);
      if (retaken === null) {
        throw new UserFacingError('Your lease on this item expired and it went to another reviewer, so this answer was not saved. Take the next item.');
      }
      await tx.auditLabel.update({ where: { id: retaken }, data });
    }
    const item = await tx.auditItem.findUniqueOrThrow({
      where: { id: itemId },
      select: {
        id: true,
        position: true,
        pair: { select: { id: true, status: true, instructionVerdict: true, instructionReason: true, responseVerdict: true, responseReason: true } },
      },
    });
    await refreshPairAuditOutcome(item.pair.id, reviewer, tx);
    return { itemId: item.id.toString(), pairId: item.pair.id.toString(), position: item.position + 1, answer, automatic: automaticOf(item.pair) };
  });
}

/**
 * Takes back the reviewer's most recent answer in this audit: it becomes their lease again (the
 * item is shown again) and their other unanswered lease goes back to the pool.
 */
export async function undoLastLabel(auditId: string, reviewer: NonNullable<AuditActor>, client: PrismaClient = db()): Promise<ReviewItemView> {
  const audit = await auditForReview(auditId, client);
  assertOpen(audit);
  return client.$transaction(async (tx) => {
    const last = await tx.auditLabel.findFirst({
      where: { reviewerId: reviewer.id, answeredAt: { not: null }, auditItem: { auditId } },
      orderBy: [{ answeredAt: 'desc' }, { id: 'desc' }],
      select: { id: true, instructionValid: true, pairCorrect: true, reasonTags: true, note: true, auditItem: { select: { pairId: true } } },
    });
    if (!last) throw new UserFacingError('There is no answer to undo.');
    await releaseReviewerLeases(auditId, reviewer.id, last.id, tx);
    await tx.auditLabel.update({
      where: { id: last.id },
      data: { answeredAt: null, instructionValid: null, pairCorrect: null, reasonTags: [], note: null, leaseExpiresAt: new Date(Date.now() + LEASE_SECONDS * 1000) },
    });
    await refreshPairAuditOutcome(last.auditItem.pairId, reviewer, tx);
    const previous: LabelAnswer = { instructionValid: last.instructionValid, pairCorrect: last.pairCorrect, reasonTags: last.reasonTags, note: last.note };
    return itemView(audit, last.id, previous, tx);
  });
}

/**
 * Pair.auditOutcome from every audit that sampled the pair: REJECTED when the reviewers' majority
 * rejected it in any audit (ties reject), ACCEPTED when every audit with answers accepted it, NONE
 * without answers. Locks the pair row so that two answers committing at once cannot leave a stale
 * outcome. Logs the change.
 */
export async function refreshPairAuditOutcome(pairId: bigint, actor: AuditActor, tx: Prisma.TransactionClient): Promise<'NONE' | 'ACCEPTED' | 'REJECTED'> {
  const locked = await tx.$queryRawUnsafe<{ auditOutcome: 'NONE' | 'ACCEPTED' | 'REJECTED' }[]>(
    `SELECT "auditOutcome"::text AS "auditOutcome" FROM "Pair" WHERE "id" = $1 FOR UPDATE`,
    pairId,
  );
  if (locked.length === 0) return 'NONE';
  const before = locked[0].auditOutcome;
  const items = await tx.auditItem.findMany({
    where: { pairId },
    select: {
      audit: { select: { criteria: true } },
      labels: { where: { answeredAt: { not: null } }, select: { reviewerId: true, instructionValid: true, pairCorrect: true } },
    },
  });
  const verdicts = items
    .map((item) => {
      const main = criteriaJudgements[item.audit.criteria].main;
      return humanMajority(item.labels.map((label) => labelAccepts(label, main)).filter((value): value is boolean => value !== null));
    })
    .filter((value): value is boolean => value !== null);
  const after = verdicts.length === 0 ? 'NONE' : verdicts.every(Boolean) ? 'ACCEPTED' : 'REJECTED';
  if (after !== before) {
    // Raw on purpose: Prisma's @updatedAt would make an edit in progress elsewhere look stale.
    await tx.$executeRawUnsafe(`UPDATE "Pair" SET "auditOutcome" = $2::"AuditOutcome" WHERE "id" = $1`, pairId, after);
    await recordAudit({ actor, action: 'pair.audit_outcome', targetType: 'Pair', targetId: pairId.toString(), before: { auditOutcome: before }, after: { auditOutcome: after } }, tx);
  }
  return after;
}
