import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { parsePairQuery } from '@/lib/review/filters';
import { listPairs, type ListOptions } from '@/lib/review/list';
import type { Fallback } from '@/lib/review/page-plan';
import { useOwnDatabase } from '../own-database';
import { unique } from './fixtures';

// Some cases list every pair of the database (no run or dataset scope) and compare two plans
// page by page: other files' pairs (150k in the worker test) would make that depend on test order,
// so this file gets a database of its own.
// Pairs with ids far apart (explicit, above any sequence value) so the fallback walks many id windows.
const BASE = 9_000_000_000;
const STEP = 97;
const COUNT = 4000;

async function pages(params: Record<string, string>, options: ListOptions = {}) {
  const ids: string[] = [];
  let partialPages = 0;
  let after: string | null = null;
  for (let guard = 0; guard < 500; guard++) {
    const parsed = parsePairQuery(new URLSearchParams({ ...params, limit: '25', ...(after ? { after } : {}) }));
    if (!parsed.ok) throw new Error(parsed.error);
    const page = await listPairs(parsed.query, options);
    ids.push(...page.rows.map((row) => row.id));
    if (page.partial) partialPages++;
    if (!page.nextCursor) return { ids, partialPages };
    after = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

describe('bounded fallback plans give the same pages as the planner', () => {
  let datasetId: string;
  let runId: string;

  let ownDatabase: Awaited<ReturnType<typeof useOwnDatabase>>;
  afterAll(async () => {
    await ownDatabase?.drop();
  });

  beforeAll(async () => {
    ownDatabase = await useOwnDatabase('page_plan');
    datasetId = unique('plan-dataset');
    await db().preferenceDataset.create({ data: { id: datasetId, name: datasetId } });
    const recipe = await db().recipe.create({ data: { name: unique('plan-recipe') } });
    const version = await db().recipeVersion.create({ data: { recipeId: recipe.id, version: 1, config: {} } });
    runId = (await db().run.create({ data: { name: unique('plan-run'), recipeVersionId: version.id, selection: {} } })).id;
    // The dataset's pairs come first (all KEPT, never judged), the run's after: correlated with
    // the id order and with each other, like real imports followed by runs.
    await db().$executeRaw`
      INSERT INTO "Pair" ("id", "origin", "datasetId", "runId", "topic", "instruction", "rejected", "instructionVerdict", "responseVerdict", "status", "humanEdited", "auditOutcome", "tags", "humanStatus", "updatedAt")
      SELECT ${BASE}::bigint + g * ${STEP},
        (CASE WHEN g <= ${COUNT / 2} THEN 'IMPORTED' ELSE 'RUN' END)::"PairOrigin",
        CASE WHEN g <= ${COUNT / 2} THEN ${datasetId} END, CASE WHEN g > ${COUNT / 2} THEN ${runId} END,
        (ARRAY['hate', 'nsfw', 'illegal'])[1 + g % 3],
        'instruction ' || g || CASE WHEN g % 50 = 0 THEN ' zebracorn' ELSE '' END,
        'rejected ' || g || CASE WHEN g % 7 = 0 THEN ' quokkamode' ELSE '' END,
        CASE WHEN g > ${COUNT / 2} THEN (CASE WHEN g % 4 = 0 THEN 'FAIL' ELSE 'PASS' END)::"Verdict" END,
        CASE WHEN g > ${COUNT / 2} AND g % 4 <> 0 THEN (CASE WHEN g % 5 = 0 THEN 'FAIL' ELSE 'PASS' END)::"Verdict" END,
        (CASE WHEN g <= ${COUNT / 2} OR (g % 4 <> 0 AND g % 5 <> 0) THEN 'KEPT' ELSE 'DROPPED' END)::"PairStatus",
        g % 11 = 0,
        (CASE WHEN g % 13 = 0 THEN 'REJECTED' ELSE 'NONE' END)::"AuditOutcome",
        CASE WHEN g % 17 = 0 THEN ARRAY['flagged'] ELSE '{}'::text[] END,
        (CASE WHEN g % 19 = 0 THEN 'DROPPED' END)::"PairStatus",
        now()
      FROM generate_series(1, ${COUNT}) g`;
    await db().$executeRaw`ANALYZE "Pair"`;
  });

  const cases: Record<string, string>[] = [
    { status: 'DROPPED' },
    { status: 'KEPT', rv: 'NONE', edited: 'no' },
    { topic: 'hate', iv: 'PASS', audit: 'REJECTED' },
    { q: 'zebracorn' },
    { q: 'quokkamode', status: 'DROPPED' },
    { q: 'instruction 1', topic: 'nsfw' },
    { iv: 'PASS', status: 'KEPT' },
    { tag: 'flagged', status: 'KEPT' },
    { human: 'DROPPED', topic: 'hate', q: 'rejected 1' },
  ];

  it('returns the same ids, in the same order, when the planner is skipped', async () => {
    for (const params of cases) {
      for (const sort of ['new', 'old']) {
        for (const scope of [{ dataset: datasetId }, { run: runId }, {}] as Record<string, string>[]) {
          const query: Record<string, string> = { ...params, ...scope, sort };
          const planned = await pages(query);
          const fallbacks: Fallback[] = [];
          const bounded = await pages(query, { planBudgetMs: 0, windowsBudgetMs: 60_000, onFallback: (fallback) => fallbacks.push(fallback) });
          expect(bounded.ids, JSON.stringify(query)).toEqual(planned.ids);
          expect(fallbacks.length).toBeGreaterThan(0);
          if (!('run' in scope) && !('dataset' in scope) && !params.q) expect(planned.ids.length, JSON.stringify(query)).toBeGreaterThan(0);
        }
      }
    }
  });

  it('returns the same ids when the plan of the planner overruns and its EXPLAIN chooses the fallback', async () => {
    const fallbacks: Fallback[] = [];
    for (const params of cases.filter((query) => query.q)) {
      for (const sort of ['new', 'old']) {
        const query: Record<string, string> = { ...params, sort };
        const planned = await pages(query);
        // 1 ms: the planner's plan almost always overruns, so the fallback is chosen from its EXPLAIN.
        const bounded = await pages(query, { planBudgetMs: 1, windowsBudgetMs: 60_000, onFallback: (fallback) => fallbacks.push(fallback) });
        expect(bounded.ids, JSON.stringify(query)).toEqual(planned.ids);
      }
    }
    expect(fallbacks.length).toBeGreaterThan(0);
  });

  it('stops a sparse scan at its time budget and continues from where it stopped, without gaps', async () => {
    const query = { status: 'DROPPED', audit: 'REJECTED', run: runId };
    const planned = await pages(query);
    expect(planned.ids.length).toBeGreaterThan(5);
    const stepwise = await pages(query, { planBudgetMs: 0, windowsBudgetMs: 0 });
    expect(stepwise.partialPages).toBeGreaterThan(1);
    expect(stepwise.ids).toEqual(planned.ids);
    const ascending = await pages({ ...query, sort: 'old' }, { planBudgetMs: 0, windowsBudgetMs: 0 });
    expect(ascending.ids).toEqual([...planned.ids].reverse());
  });
});
