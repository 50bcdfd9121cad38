import crypto from 'node:crypto';
import { db } from '@/lib/db/client';

export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** An imported preference dataset with the given pairs (origin IMPORTED, no verdicts). */
export async function createDataset(pairs: { instruction: string; chosen?: string | null; rejected?: string | null; topic?: string }[], name = unique('dataset')) {
  const dataset = await db().preferenceDataset.create({ data: { name, pairCount: pairs.length } });
  await db().pair.createMany({
    data: pairs.map((pair, index) => ({
      origin: 'IMPORTED' as const,
      datasetId: dataset.id,
      instruction: pair.instruction,
      chosen: pair.chosen === undefined ? `chosen ${index}` : pair.chosen,
      rejected: pair.rejected === undefined ? `rejected ${index}` : pair.rejected,
      topic: pair.topic ?? 'hate',
      status: 'KEPT' as const,
    })),
  });
  const rows = await db().pair.findMany({ where: { datasetId: dataset.id }, orderBy: { id: 'asc' } });
  return { dataset, pairs: rows };
}

type StageSpec = { verdict?: 'PASS' | 'FAIL' | 'UNPARSEABLE'; ok?: boolean; reason?: string; error?: string; tokensIn?: number; tokensOut?: number; costUsd?: number; latencyMs?: number };
export type ItemSpec = {
  topic: string;
  text: string;
  instruction?: string;
  chosen?: string;
  state: 'INSTRUCTION_DROPPED' | 'PAIR_KEPT' | 'PAIR_DROPPED' | 'FAILED';
  induce?: StageSpec;
  filterInstruction?: StageSpec;
  generate?: StageSpec;
  filterResponse?: StageSpec;
};

/** A pipeline run with source texts, items, one StageResult per executed stage and a Pair per induced instruction. */
export async function createRun(items: ItemSpec[], options: { name?: string; startedAt?: Date } = {}) {
  const corpus = await db().corpus.create({ data: { name: unique('corpus') } });
  const recipe = await db().recipe.create({ data: { name: unique('recipe') } });
  const version = await db().recipeVersion.create({ data: { recipeId: recipe.id, version: 1, config: {} } });
  const startedAt = options.startedAt ?? new Date(Date.now() - 60 * 60 * 1000);
  const run = await db().run.create({
    data: { name: options.name ?? unique('run'), recipeVersionId: version.id, status: 'COMPLETED', selection: {}, itemsTotal: items.length, startedAt, finishedAt: new Date(), simulated: true },
  });
  const pairs = [];
  for (const [index, item] of items.entries()) {
    const source = await db().sourceText.create({ data: { corpusId: corpus.id, text: item.text, topic: item.topic, dedupHash: crypto.randomUUID() } });
    const runItem = await db().runItem.create({
      data: { runId: run.id, sourceTextId: source.id, state: item.state, failedStage: item.state === 'FAILED' ? 'INDUCE' : null, failureCause: item.state === 'FAILED' ? 'timeout' : null },
    });
    const stages: [keyof Pick<ItemSpec, 'induce' | 'filterInstruction' | 'generate' | 'filterResponse'>, 'INDUCE' | 'FILTER_INSTRUCTION' | 'GENERATE_RESPONSE' | 'FILTER_RESPONSE'][] = [
      ['induce', 'INDUCE'],
      ['filterInstruction', 'FILTER_INSTRUCTION'],
      ['generate', 'GENERATE_RESPONSE'],
      ['filterResponse', 'FILTER_RESPONSE'],
    ];
    for (const [offset, [key, stage]] of stages.entries()) {
      const spec = item[key];
      if (!spec) continue;
      const at = new Date(startedAt.getTime() + index * 60_000 + offset * 1000);
      await db().stageResult.create({
        data: {
          runItemId: runItem.id,
          stage,
          ok: spec.ok ?? true,
          verdict: spec.verdict ?? null,
          reason: spec.reason ?? null,
          error: spec.error ?? null,
          output: stage === 'INDUCE' ? (item.instruction ?? null) : stage === 'GENERATE_RESPONSE' ? (item.chosen ?? null) : null,
          prompt: `PROMPT ${stage} for ${item.text}`,
          rawOutput: `RAW ${stage} output`,
          tokensIn: spec.tokensIn ?? 100,
          tokensOut: spec.tokensOut ?? 20,
          costUsd: spec.costUsd ?? 0.001,
          latencyMs: spec.latencyMs ?? 250,
          model: 'sim-model',
          startedAt: at,
          finishedAt: new Date(at.getTime() + 500),
        },
      });
      await db().llmCall.create({
        data: { runId: run.id, purpose: stage, cacheKey: crypto.randomUUID(), cacheHit: false, tokensIn: spec.tokensIn ?? 100, tokensOut: spec.tokensOut ?? 20, costUsd: spec.costUsd ?? 0.001, simulated: true },
      });
    }
    if (item.instruction) {
      const status = item.state === 'PAIR_KEPT' ? 'KEPT' : 'DROPPED';
      pairs.push(
        await db().pair.create({
          data: {
            origin: 'RUN',
            runId: run.id,
            runItemId: runItem.id,
            sourceTextId: source.id,
            topic: item.topic,
            instruction: item.instruction,
            chosen: item.chosen ?? null,
            rejected: item.text,
            instructionVerdict: item.filterInstruction?.verdict ?? null,
            instructionReason: item.filterInstruction?.reason ?? null,
            responseVerdict: item.filterResponse?.verdict ?? null,
            responseReason: item.filterResponse?.reason ?? null,
            status,
            simulated: true,
          },
        }),
      );
    }
  }
  return { run, pairs, corpus };
}
