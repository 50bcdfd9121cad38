'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { budgetInputSchema, cancelRun, createRun, createRunInputSchema, pauseRun, resumeRun, retryFailedItems } from '@/lib/pipeline/runs';
import { loadSampleCorpus } from '@/lib/importers/sample';

const byId = z.object({ runId: z.string().min(1) });

function refresh(runId?: string): void {
  revalidatePath('/runs');
  revalidatePath('/');
  if (runId) revalidatePath(`/runs/${runId}`);
}

export const createRunAction = authorizedAction('runs:write', createRunInputSchema, async (input, user) => {
  const created = await createRun(input, user);
  refresh(created.runId);
  return created;
});

export const pauseRunAction = authorizedAction('runs:write', byId, async ({ runId }, user) => {
  await pauseRun(runId, user);
  refresh(runId);
  return { runId };
});

export const resumeRunAction = authorizedAction('runs:write', byId.extend(budgetInputSchema.shape), async ({ runId, ...budget }, user) => {
  await resumeRun(runId, budget, user);
  refresh(runId);
  return { runId };
});

export const cancelRunAction = authorizedAction('runs:write', byId, async ({ runId }, user) => {
  await cancelRun(runId, user);
  refresh(runId);
  return { runId };
});

export const retryFailedItemsAction = authorizedAction('runs:write', byId, async ({ runId }, user) => {
  const retried = await retryFailedItems(runId, user);
  refresh(runId);
  return { runId, retried };
});

// The bundled 100-text sample corpus, so a new installation can try a run at once.
export const loadSampleCorpusAction = authorizedAction('corpora:write', z.object({}), async (_input, user) => {
  const result = await loadSampleCorpus(user);
  revalidatePath('/runs/new');
  revalidatePath('/corpora');
  return result;
});
