import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * The e2e server's own embedded Postgres (port from postmaster.pid, password from the data
 * folder's secrets), so review tests can create pairs as the importer and the pipeline would.
 */
export async function connectE2eDatabase(): Promise<pg.Client> {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error('E2E_DATA_DIR is not set (playwright.config sets it)');
  const port = Number(fs.readFileSync(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3].trim());
  const { postgresPassword } = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')) as { postgresPassword: string };
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'studio', password: postgresPassword, database: 'studio' });
  await client.connect();
  return client;
}

export const uid = () => crypto.randomUUID().slice(0, 8);

export type SeedPair = {
  instruction: string;
  chosen?: string | null;
  rejected?: string | null;
  topic?: string;
  tags?: string[];
  instructionVerdict?: 'PASS' | 'FAIL' | 'UNPARSEABLE' | null;
  instructionReason?: string | null;
  responseVerdict?: 'PASS' | 'FAIL' | 'UNPARSEABLE' | null;
  responseReason?: string | null;
  status?: 'KEPT' | 'DROPPED' | 'PENDING';
};

async function insertPair(client: pg.Client, pair: SeedPair, scope: { datasetId?: string; runId?: string; runItemId?: string; sourceTextId?: string }): Promise<string> {
  const result = await client.query<{ id: string }>(
    `INSERT INTO "Pair" ("origin", "datasetId", "runId", "runItemId", "sourceTextId", "topic", "instruction", "chosen", "rejected", "instructionVerdict", "instructionReason",
       "responseVerdict", "responseReason", "status", "tags", "simulated", "updatedAt")
     VALUES ($1::"PairOrigin", $2, $3, $4, $5, $6, $7, $8, $9, $10::"Verdict", $11, $12::"Verdict", $13, $14::"PairStatus", $15, $16, now()) RETURNING "id"::text AS "id"`,
    [
      scope.runId ? 'RUN' : 'IMPORTED',
      scope.datasetId ?? null,
      scope.runId ?? null,
      scope.runItemId ?? null,
      scope.sourceTextId ?? null,
      pair.topic ?? 'hate',
      pair.instruction,
      pair.chosen === undefined ? 'A safe, helpful answer.' : pair.chosen,
      pair.rejected === undefined ? 'Some harmful text.' : pair.rejected,
      pair.instructionVerdict ?? null,
      pair.instructionReason ?? null,
      pair.responseVerdict ?? null,
      pair.responseReason ?? null,
      pair.status ?? 'KEPT',
      pair.tags ?? [],
      Boolean(scope.runId),
    ],
  );
  return result.rows[0].id;
}

/** An imported preference dataset; returns its id and the pair ids in insertion order. */
export async function seedDataset(client: pg.Client, name: string, pairs: SeedPair[]): Promise<{ datasetId: string; pairIds: string[] }> {
  const datasetId = `e2e-dataset-${uid()}`;
  await client.query(`INSERT INTO "PreferenceDataset" ("id", "name", "pairCount") VALUES ($1, $2, $3)`, [datasetId, name, pairs.length]);
  const pairIds: string[] = [];
  for (const pair of pairs) pairIds.push(await insertPair(client, pair, { datasetId }));
  return { datasetId, pairIds };
}

export type SeedItem = SeedPair & {
  source: string;
  stages: { stage: 'INDUCE' | 'FILTER_INSTRUCTION' | 'GENERATE_RESPONSE' | 'FILTER_RESPONSE'; ok?: boolean; verdict?: string | null; reason?: string | null; error?: string | null; prompt: string; rawOutput: string; costUsd?: number }[];
};

/** A finished (simulated) pipeline run: source texts, items, stage results, LLM calls and pairs. */
export async function seedRun(client: pg.Client, name: string, items: SeedItem[]): Promise<{ runId: string; pairIds: string[] }> {
  const id = uid();
  const corpusId = `e2e-corpus-${id}`;
  const runId = `e2e-run-${id}`;
  await client.query(`INSERT INTO "Corpus" ("id", "name", "updatedAt") VALUES ($1, $2, now())`, [corpusId, `corpus ${id}`]);
  await client.query(`INSERT INTO "Recipe" ("id", "name") VALUES ($1, $2)`, [`e2e-recipe-${id}`, `recipe ${id}`]);
  await client.query(`INSERT INTO "RecipeVersion" ("id", "recipeId", "version", "config") VALUES ($1, $2, 1, '{}')`, [`e2e-rv-${id}`, `e2e-recipe-${id}`]);
  await client.query(
    `INSERT INTO "Run" ("id", "name", "recipeVersionId", "status", "selection", "itemsTotal", "simulated", "startedAt", "finishedAt")
     VALUES ($1, $2, $3, 'COMPLETED', '{}', $4, true, now() - interval '10 minutes', now())`,
    [runId, name, `e2e-rv-${id}`, items.length],
  );
  const pairIds: string[] = [];
  for (const [index, item] of items.entries()) {
    const source = await client.query<{ id: string }>(
      `INSERT INTO "SourceText" ("corpusId", "text", "topic", "dedupHash") VALUES ($1, $2, $3, $4) RETURNING "id"::text AS "id"`,
      [corpusId, item.source, item.topic ?? 'hate', crypto.randomUUID()],
    );
    const kept = item.status === 'KEPT';
    const runItem = await client.query<{ id: string }>(
      `INSERT INTO "RunItem" ("runId", "sourceTextId", "state", "updatedAt") VALUES ($1, $2, $3::"RunItemState", now()) RETURNING "id"::text AS "id"`,
      [runId, source.rows[0].id, kept ? 'PAIR_KEPT' : item.responseVerdict ? 'PAIR_DROPPED' : 'INSTRUCTION_DROPPED'],
    );
    for (const [offset, stage] of item.stages.entries()) {
      await client.query(
        `INSERT INTO "StageResult" ("runItemId", "stage", "ok", "verdict", "reason", "error", "prompt", "rawOutput", "tokensIn", "tokensOut", "costUsd", "latencyMs", "model", "startedAt", "finishedAt")
         VALUES ($1, $2::"Stage", $3, $4::"Verdict", $5, $6, $7, $8, 120, 30, $9, 420, 'sim-model', now() - make_interval(mins => $10), now() - make_interval(mins => $10) + interval '1 second')`,
        [runItem.rows[0].id, stage.stage, stage.ok ?? true, stage.verdict ?? null, stage.reason ?? null, stage.error ?? null, stage.prompt, stage.rawOutput, stage.costUsd ?? 0.0015, 9 - Math.min(8, index + offset)],
      );
      await client.query(`INSERT INTO "LlmCall" ("runId", "purpose", "cacheKey", "cacheHit", "tokensIn", "tokensOut", "costUsd", "simulated") VALUES ($1, $2, $3, false, 120, 30, $4, true)`, [
        runId,
        stage.stage,
        crypto.randomUUID(),
        stage.costUsd ?? 0.0015,
      ]);
    }
    pairIds.push(await insertPair(client, { ...item, rejected: item.rejected === undefined ? item.source : item.rejected }, { runId, runItemId: runItem.rows[0].id, sourceTextId: source.rows[0].id }));
  }
  return { runId, pairIds };
}

/** Stage results of a normal item: induce, filter (verdict), and for kept instructions the rest. */
export function stagesFor(item: { source: string; instruction: string; instructionVerdict: 'PASS' | 'FAIL'; instructionReason: string; chosen?: string | null }): SeedItem['stages'] {
  const stages: SeedItem['stages'] = [
    { stage: 'INDUCE', prompt: `### response:\n${item.source}\n### Instruction:`, rawOutput: ` ${item.instruction}\n` },
    { stage: 'FILTER_INSTRUCTION', verdict: item.instructionVerdict, reason: item.instructionReason, prompt: `Judge this instruction: ${item.instruction}`, rawOutput: `{"verdict":"${item.instructionVerdict}","reason":"${item.instructionReason}"}` },
  ];
  if (item.instructionVerdict === 'PASS') {
    stages.push({ stage: 'GENERATE_RESPONSE', prompt: `Answer safely: ${item.instruction}`, rawOutput: item.chosen ?? 'safe' });
    stages.push({ stage: 'FILTER_RESPONSE', verdict: 'PASS', reason: 'safe and better', prompt: 'Compare the two responses', rawOutput: '{"verdict":"PASS"}' });
  }
  return stages;
}
