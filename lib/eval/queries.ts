/** Reads for the evaluation pages: sets, runs, one set with its first prompts. */
import { db } from '@/lib/db/client';
import type { RunStatus } from '@/lib/db/generated/enums';

export interface EvalSetRow {
  id: string;
  name: string;
  description: string | null;
  promptCount: number;
  errorCount: number;
  responseLabels: string[];
  builtIn: boolean;
  createdAt: string;
}

export async function listEvalSets(limit = 200): Promise<EvalSetRow[]> {
  const sets = await db().evalSet.findMany({ orderBy: { createdAt: 'desc' }, take: limit });
  return sets.map((set) => ({ ...set, createdAt: set.createdAt.toISOString() }));
}

export interface EvalRunRow {
  id: string;
  name: string;
  status: RunStatus;
  setName: string;
  itemsTotal: number;
  itemsDone: number;
  simulated: boolean;
  createdAt: string;
}

export async function listEvalRuns(limit = 100): Promise<EvalRunRow[]> {
  const runs = await db().evalRun.findMany({ orderBy: { createdAt: 'desc' }, take: limit, include: { set: { select: { name: true } } } });
  const done = await db().evalItem.groupBy({ by: ['runId'], where: { runId: { in: runs.map((run) => run.id) }, state: { not: 'PENDING' } }, _count: { _all: true } });
  const doneBy = new Map(done.map((row) => [row.runId, row._count._all]));
  return runs.map((run) => ({
    id: run.id,
    name: run.name,
    status: run.status,
    setName: run.set.name,
    itemsTotal: run.itemsTotal,
    itemsDone: doneBy.get(run.id) ?? 0,
    simulated: run.simulated,
    createdAt: run.createdAt.toISOString(),
  }));
}

export async function loadEvalSet(setId: string, promptLimit = 50) {
  const set = await db().evalSet.findUnique({
    where: { id: setId },
    include: {
      prompts: { orderBy: { position: 'asc' }, take: promptLimit, include: { responses: { orderBy: { label: 'asc' } } } },
      rowErrors: { orderBy: [{ line: 'asc' }, { id: 'asc' }], take: 20 },
    },
  });
  if (!set) return null;
  const groups = await db().evalPrompt.groupBy({ by: ['groupName'], where: { setId }, _count: { _all: true }, orderBy: { groupName: 'asc' } });
  return {
    ...set,
    createdAt: set.createdAt.toISOString(),
    prompts: set.prompts.map(({ responses, ...prompt }) => ({ ...prompt, id: prompt.id.toString(), responses: responses.map((response) => ({ label: response.label, text: response.text })) })),
    groups: groups.map((group) => ({ group: group.groupName, count: group._count._all })),
  };
}

/** Endpoints to offer in the new-evaluation form (names and models only; never keys). */
export async function listEndpointChoices(): Promise<{ name: string; model: string; mode: 'chat' | 'completion'; simulated: boolean }[]> {
  const endpoints = await db().providerEndpoint.findMany({ orderBy: { name: 'asc' }, select: { name: true, model: true, mode: true, simulated: true } });
  return endpoints.map((endpoint) => ({ name: endpoint.name, model: endpoint.model, mode: endpoint.mode === 'COMPLETION' ? 'completion' : 'chat', simulated: endpoint.simulated }));
}
