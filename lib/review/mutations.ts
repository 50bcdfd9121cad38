import { db, Prisma } from '@/lib/db/client';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { fieldLabels, type PairChange, type PairField } from './changes';

type Actor = NonNullable<AuditActor>;

type LockedPair = {
  id: bigint;
  instruction: string;
  chosen: string | null;
  instructionVerdict: string | null;
  responseVerdict: string | null;
  humanStatus: string | null;
  tags: string[];
};

type Value = string | string[] | null;

type FieldImpl<C extends PairChange> = {
  action: string;
  before: (pair: LockedPair) => Value;
  after: (pair: LockedPair, change: C) => Value;
  data: (after: Value) => Prisma.PairUpdateManyMutationInput;
  /** Refuses the change for this pair (e.g. someone else edited the text meanwhile). */
  check?: (pair: LockedPair, change: C) => void;
};

type FieldImpls = { [F in PairField]: FieldImpl<Extract<PairChange, { field: F }>> };

function textField(field: 'instruction' | 'chosen'): FieldImpl<Extract<PairChange, { field: 'instruction' | 'chosen' }>> {
  return {
    action: `pair.edit_${field}`,
    before: (pair) => pair[field],
    after: (_pair, change) => change.value,
    data: (after) => ({ [field]: after as string, humanEdited: true }),
    check: (pair, change) => {
      if (change.baseline !== undefined && change.baseline !== pair[field]) {
        throw new UserFacingError(`Someone changed the ${fieldLabels[field]} of pair ${pair.id} while you were editing. Reload it and apply your fix again.`);
      }
    },
  };
}

function verdictField(field: 'instructionVerdict' | 'responseVerdict'): FieldImpl<Extract<PairChange, { field: 'instructionVerdict' | 'responseVerdict' }>> {
  return {
    action: `pair.override_${field === 'instructionVerdict' ? 'instruction' : 'response'}_verdict`,
    before: (pair) => pair[field],
    after: (_pair, change) => change.value,
    data: (after) => ({ [field]: after as 'PASS' | 'FAIL' }),
  };
}

function sortedTags(tags: Iterable<string>): string[] {
  return [...new Set(tags)].sort();
}

/** How each editable field is read, changed and written: one entry per field, no branches. */
const fields: FieldImpls = {
  instruction: textField('instruction'),
  chosen: textField('chosen'),
  instructionVerdict: verdictField('instructionVerdict'),
  responseVerdict: verdictField('responseVerdict'),
  humanStatus: {
    action: 'pair.set_decision',
    before: (pair) => pair.humanStatus,
    after: (_pair, change) => change.value,
    data: (after) => ({ humanStatus: after as 'KEPT' | 'DROPPED' | null }),
  },
  tags: {
    action: 'pair.set_tags',
    before: (pair) => sortedTags(pair.tags),
    after: (pair, change) => sortedTags([...pair.tags, ...change.add].filter((tag) => !change.remove.includes(tag))),
    data: (after) => ({ tags: after as string[] }),
  },
};

export type ChangeOutcome = { changed: string[]; unchanged: string[] };

/**
 * Applies one change to one or many pairs in a single transaction: locks the rows, skips pairs
 * it would not change, writes the new values, a PairRevision and an AuditLog entry (who, when,
 * before, after) per changed pair.
 */
export async function changePairs(ids: readonly bigint[], change: PairChange, actor: Actor): Promise<ChangeOutcome> {
  const impl = fields[change.field] as FieldImpl<PairChange>;
  const unique = [...new Set(ids.map(String))];
  return db().$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<LockedPair[]>`
        SELECT "id", "instruction", "chosen", "instructionVerdict"::text AS "instructionVerdict", "responseVerdict"::text AS "responseVerdict",
          "humanStatus"::text AS "humanStatus", "tags"
        FROM "Pair" WHERE "id" = ANY(${unique}::bigint[]) ORDER BY "id" FOR UPDATE`;
      if (rows.length !== unique.length) {
        const found = new Set(rows.map((row) => row.id.toString()));
        const missing = unique.filter((id) => !found.has(id));
        throw new UserFacingError(`${missing.length === 1 ? `Pair ${missing[0]} no longer exists` : `${missing.length} of the selected pairs no longer exist`}; reload the list.`);
      }

      const outcome: ChangeOutcome = { changed: [], unchanged: [] };
      const byAfter = new Map<string, { after: Value; ids: bigint[] }>();
      const revisions: Prisma.PairRevisionCreateManyInput[] = [];
      const audits: { id: bigint; before: Value; after: Value }[] = [];
      for (const row of rows) {
        impl.check?.(row, change);
        const before = impl.before(row);
        const after = impl.after(row, change);
        if (JSON.stringify(before) === JSON.stringify(after)) {
          outcome.unchanged.push(row.id.toString());
          continue;
        }
        outcome.changed.push(row.id.toString());
        const key = JSON.stringify(after);
        const group = byAfter.get(key) ?? { after, ids: [] };
        group.ids.push(row.id);
        byAfter.set(key, group);
        revisions.push({ pairId: row.id, field: change.field, before: before ?? Prisma.DbNull, after: after ?? Prisma.DbNull, actorId: actor.id, actorEmail: actor.email });
        audits.push({ id: row.id, before, after });
      }

      for (const group of byAfter.values()) {
        await tx.pair.updateMany({ where: { id: { in: group.ids } }, data: impl.data(group.after) });
      }
      if (revisions.length) await tx.pairRevision.createMany({ data: revisions });
      for (const entry of audits) {
        await recordAudit(
          {
            actor,
            action: impl.action,
            targetType: 'Pair',
            targetId: entry.id.toString(),
            before: { [change.field]: entry.before },
            after: { [change.field]: entry.after },
          },
          tx,
        );
      }
      return outcome;
    },
    { timeout: 60_000 },
  );
}

/** Reviewers, researchers and admins discuss a pair; the comment is logged like a change. */
export async function addPairComment(pairId: bigint, body: string, actor: Actor): Promise<{ id: string; at: string }> {
  return db().$transaction(async (tx) => {
    const exists = await tx.pair.findUnique({ where: { id: pairId }, select: { id: true } });
    if (!exists) throw new UserFacingError(`Pair ${pairId} no longer exists.`);
    const comment = await tx.pairComment.create({ data: { pairId, body, authorId: actor.id, authorEmail: actor.email } });
    await recordAudit({ actor, action: 'pair.comment', targetType: 'Pair', targetId: pairId.toString(), after: { commentId: comment.id.toString(), body } }, tx);
    return { id: comment.id.toString(), at: comment.createdAt.toISOString() };
  });
}
