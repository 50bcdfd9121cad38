/**
 * Creating an audit: count the population per cell, allocate the sample over the sampling strata,
 * and draw it in one INSERT … SELECT ranked by the seeded md5 hash (`sqlSampleRankExpression`), so
 * that a population of a million pairs never leaves the database and the same seed always gives
 * the same sample (the JS `sampleStratified` draws identical ids; an integration test checks it).
 */
import { db, Prisma, type PrismaClient } from '@/lib/db/client';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { allocateStratified } from '@/lib/audit/sampling';
import { sqlSampleRankExpression } from '@/lib/sampling/hash-rank';
import {
  strategyName,
  DEFAULT_REASON_TAGS,
  type AuditScope,
  type AuditSettings,
  type CreateAuditParsed,
  type StratifyDimension,
} from '@/lib/audit/config';
import { cellKey, includesDropped, samplingKey, sqlCellKeyExpression, sqlSamplingKeyExpression, SQL_TOPIC, SQL_VERDICT_GROUP, type Cell, type VerdictGroup } from '@/lib/audit/cells';

type Client = PrismaClient | Prisma.TransactionClient;

export interface PopulationCell extends Cell {
  count: number;
}

/** WHERE clause over `"Pair" p` for a scope; parameters start at `$first`. */
function scopeFilter(scope: AuditScope, withDropped: boolean, first: number): { sql: string; params: unknown[] } {
  const runs = `$${first}`;
  const datasets = `$${first + 1}`;
  const topics = `$${first + 2}`;
  const sql =
    `(p."runId" = ANY(${runs}::text[]) OR p."datasetId" = ANY(${datasets}::text[]))` +
    ` AND (cardinality(${topics}::text[]) = 0 OR ${SQL_TOPIC} = ANY(${topics}::text[]))` +
    (withDropped ? '' : ` AND p."status" <> 'DROPPED'`);
  return { sql, params: [scope.runIds, scope.datasetIds, scope.topics] };
}

/** Pairs in scope per (verdict group, topic). Dropped pairs are counted too; callers pick. */
export async function countPopulation(scope: AuditScope, client: Client = db()): Promise<PopulationCell[]> {
  const filter = scopeFilter(scope, true, 1);
  const rows = await client.$queryRawUnsafe<{ verdict: VerdictGroup; topic: string; count: number }[]>(
    `SELECT ${SQL_VERDICT_GROUP} AS verdict, ${SQL_TOPIC} AS topic, count(*)::int AS count
     FROM "Pair" p WHERE ${filter.sql} GROUP BY 1, 2 ORDER BY 1, 2`,
    ...filter.params,
  );
  return rows.map((row) => ({ verdict: row.verdict, topic: row.topic, count: Number(row.count) }));
}

/** The population the sample is drawn from: dropped pairs only when stratified by verdict. */
export function auditPopulation(cells: readonly PopulationCell[], stratifyBy: readonly StratifyDimension[]): PopulationCell[] {
  return cells.filter((cell) => cell.verdict === 'kept' || includesDropped(stratifyBy));
}

/** Sample size per sampling stratum, at least one item in every non-empty stratum. */
export function allocateSample(cells: readonly PopulationCell[], sampleSize: number, stratifyBy: readonly StratifyDimension[]): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const cell of cells) {
    const key = samplingKey(cell, stratifyBy);
    sizes[key] = (sizes[key] ?? 0) + cell.count;
  }
  try {
    return allocateStratified(sizes, sampleSize, { minPerStratum: 1 });
  } catch (error) {
    if (error instanceof RangeError) throw new UserFacingError(error.message.replace(/^sample size/, 'A sample size of'));
    throw error;
  }
}

export interface CreatedAudit {
  id: string;
  sampleSize: number;
  populationSize: number;
}

/**
 * Creates the audit with its strata (one per cell, with population and sample sizes) and its items
 * in review order (hash rank across the whole sample). One repeatable-read transaction, so the
 * counts and the sample see the same pairs.
 */
export async function createAudit(input: CreateAuditParsed, actor: NonNullable<AuditActor>, client: PrismaClient = db()): Promise<CreatedAudit> {
  const stratifyBy = input.stratifyBy;
  return client.$transaction(
    async (tx) => {
      const population = auditPopulation(await countPopulation(input.scope, tx), stratifyBy);
      const populationSize = population.reduce((sum, cell) => sum + cell.count, 0);
      if (populationSize === 0) {
        throw new UserFacingError(
          includesDropped(stratifyBy) ? 'No pairs match this scope.' : 'No kept pairs match this scope (stratify by automatic verdict to audit dropped pairs).',
        );
      }
      const allocation = allocateSample(population, input.sampleSize, stratifyBy);

      const settings: AuditSettings = {
        scope: input.scope,
        stratifyBy,
        target: input.target,
        reasonTags: input.reasonTags && input.reasonTags.length > 0 ? input.reasonTags : [...DEFAULT_REASON_TAGS],
        requestedSampleSize: input.sampleSize,
      };
      const audit = await tx.audit.create({
        data: {
          name: input.name,
          scope: settings as unknown as Prisma.InputJsonValue,
          strategy: strategyName(stratifyBy),
          sampleSize: 0,
          seed: input.seed,
          criteria: input.criteria,
          reviewersPerItem: input.reviewersPerItem,
          guidelines: input.guidelines,
          blind: input.blind,
          targetThreshold: input.target?.threshold ?? null,
          createdById: actor.id,
        },
      });

      const filter = scopeFilter(input.scope, includesDropped(stratifyBy), 4);
      const rank = sqlSampleRankExpression('$2', 'p."id"');
      const sampled = await tx.$executeRawUnsafe(
        `INSERT INTO "AuditItem" ("auditId", "pairId", "stratum", "position")
         SELECT $1, s.id, s.cell, (row_number() OVER (ORDER BY s.rank, s.idtext COLLATE "C") - 1)::int
         FROM (
           SELECT q.*, row_number() OVER (PARTITION BY q.skey ORDER BY q.rank, q.idtext COLLATE "C") AS rn
           FROM (
             SELECT p."id" AS id, p."id"::text AS idtext, ${sqlCellKeyExpression()} AS cell,
                    ${sqlSamplingKeyExpression(stratifyBy)} AS skey, ${rank} AS rank
             FROM "Pair" p WHERE ${filter.sql}
           ) q
         ) s
         JOIN jsonb_each_text($3::jsonb) a ON a.key = s.skey
         WHERE s.rn <= a.value::int`,
        audit.id,
        input.seed,
        JSON.stringify(allocation),
        ...filter.params,
      );

      const perCell = await tx.auditItem.groupBy({ by: ['stratum'], where: { auditId: audit.id }, _count: { _all: true } });
      const sampledByCell = new Map(perCell.map((row) => [row.stratum, row._count._all]));
      await tx.auditStratum.createMany({
        data: population.map((cell) => ({
          auditId: audit.id,
          key: cellKey(cell),
          populationSize: cell.count,
          sampleSize: sampledByCell.get(cellKey(cell)) ?? 0,
        })),
      });
      await tx.audit.update({ where: { id: audit.id }, data: { sampleSize: sampled } });
      await recordAudit(
        {
          actor,
          action: 'audit.create',
          targetType: 'Audit',
          targetId: audit.id,
          after: { name: input.name, criteria: input.criteria, strategy: strategyName(stratifyBy), seed: input.seed, sampleSize: sampled, populationSize, settings },
        },
        tx,
      );
      return { id: audit.id, sampleSize: sampled, populationSize };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, timeout: 300_000, maxWait: 30_000 },
  );
}

/** Opens or closes an audit; a closed audit hands out no more items and takes no answers. */
export async function setAuditStatus(auditId: string, status: 'OPEN' | 'CLOSED', actor: NonNullable<AuditActor>, client: PrismaClient = db()): Promise<void> {
  await client.$transaction(async (tx) => {
    const before = await tx.audit.findUnique({ where: { id: auditId }, select: { status: true } });
    if (!before) throw new UserFacingError('This audit does not exist.');
    if (before.status === status) return;
    await tx.audit.update({ where: { id: auditId }, data: { status } });
    await recordAudit({ actor, action: status === 'CLOSED' ? 'audit.close' : 'audit.reopen', targetType: 'Audit', targetId: auditId, before, after: { status } }, tx);
  });
}
