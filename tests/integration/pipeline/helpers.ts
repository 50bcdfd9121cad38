import crypto from 'node:crypto';
import { db } from '@/lib/db/client';
import { finalStates } from '@/lib/pipeline/item-state';
import { recipeConfigFromBuiltIn, saferInstructSafetyRecipe } from '@/lib/pipeline/prompts';
import { createRecipe } from '@/lib/pipeline/recipes';
import { loadSampleCorpus } from '@/lib/importers/sample';

export function uniqueTag(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export interface SimEndpointOptions {
  concurrency?: number;
  timeoutMs?: number;
  retryBudgetMs?: number;
}

/** Three simulated endpoints (reversed/judge/expert) at `baseUrl`, with names unique to `tag`. */
export async function createSimEndpoints(tag: string, baseUrl: string, options: SimEndpointOptions = {}) {
  const roles = { reversed: 'COMPLETION', judge: 'CHAT', expert: 'CHAT' } as const;
  const names = { reversed: `${tag} reversed`, judge: `${tag} judge`, expert: `${tag} expert` };
  for (const [role, mode] of Object.entries(roles) as [keyof typeof roles, (typeof roles)[keyof typeof roles]][]) {
    await db().providerEndpoint.create({
      data: {
        name: names[role],
        baseUrl,
        model: `sim-${role}`,
        mode,
        concurrency: options.concurrency ?? 16,
        timeoutMs: options.timeoutMs ?? 10_000,
        retryBudgetMs: options.retryBudgetMs ?? 60_000,
        supportsJsonMode: mode === 'CHAT',
        priceInputPerMTok: 1,
        priceOutputPerMTok: 2,
        simulated: true,
      },
    });
  }
  return names;
}

/** The built-in Safer-Instruct recipe wired to the given endpoints; returns its version id. */
export async function createSimRecipe(tag: string, names: { reversed: string; judge: string; expert: string }): Promise<string> {
  const config = recipeConfigFromBuiltIn(saferInstructSafetyRecipe, {
    induce: { endpointName: names.reversed },
    filterInstruction: { endpointName: names.judge },
    generateResponse: { endpointName: names.expert },
    filterResponse: { endpointName: names.judge },
  });
  const { versionId } = await createRecipe({ name: `${tag} recipe`, config }, null);
  return versionId;
}

export async function createSampleCorpus(tag: string): Promise<string> {
  return (await loadSampleCorpus(null, `${tag} corpus`)).corpusId;
}

export async function waitForRun(runId: string, statuses: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db().run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } });
    if (statuses.includes(run.status)) return run.status;
    if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function finalItemCount(runId: string): Promise<number> {
  return db().runItem.count({ where: { runId, state: { in: [...finalStates] } } });
}

export async function stateCounts(runId: string): Promise<Record<string, number>> {
  const rows = await db().runItem.groupBy({ by: ['state'], where: { runId }, _count: { _all: true } });
  return Object.fromEntries(rows.map((row) => [row.state, row._count._all]));
}
