'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { createEvalRunInputSchema } from '@/lib/eval/config';
import { loadDemoEvalSet } from '@/lib/eval/demo-set';
import { cancelEvalRun, createEvalRun, evalBudgetInputSchema, pauseEvalRun, resumeEvalRun, retryFailedEvalItems } from '@/lib/eval/runs';
import { deleteEvalSet, importEvalSetOptionsSchema } from '@/lib/eval/sets';
import { createEvalSpotCheck, createSpotCheckInputSchema } from '@/lib/eval/spot-check';
import { saveTargetPreset, saveTargetPresetInputSchema } from '@/lib/eval/targets';
import { importUploadedEvalSet } from '@/lib/eval/uploads';

const byId = z.object({ evalRunId: z.string().min(1) });

function refresh(evalRunId?: string): void {
  revalidatePath('/evaluations');
  if (evalRunId) revalidatePath(`/evaluations/${evalRunId}`);
}

export const loadDemoEvalSetAction = authorizedAction('evals:write', z.object({}), async (_input, user) => {
  const result = await loadDemoEvalSet(user);
  refresh();
  return result;
});

export const importEvalSetAction = authorizedAction(
  'evals:write',
  z.object({ uploadId: z.string().min(1).max(100), fileName: z.string().max(255), options: importEvalSetOptionsSchema }),
  async ({ uploadId, fileName, options }, user) => {
    const result = await importUploadedEvalSet(uploadId, fileName, options, user);
    refresh();
    return result;
  },
);

export const deleteEvalSetAction = authorizedAction('evals:write', z.object({ setId: z.string().min(1) }), async ({ setId }, user) => {
  await deleteEvalSet(setId, user);
  refresh();
  return { setId };
});

export const createEvalRunAction = authorizedAction('evals:write', createEvalRunInputSchema, async (input, user) => {
  const created = await createEvalRun(input, user);
  refresh(created.evalRunId);
  return created;
});

export const pauseEvalRunAction = authorizedAction('evals:write', byId, async ({ evalRunId }, user) => {
  await pauseEvalRun(evalRunId, user);
  refresh(evalRunId);
  return { evalRunId };
});

export const resumeEvalRunAction = authorizedAction('evals:write', byId.extend(evalBudgetInputSchema.shape), async ({ evalRunId, ...budget }, user) => {
  await resumeEvalRun(evalRunId, budget, user);
  refresh(evalRunId);
  return { evalRunId };
});

export const cancelEvalRunAction = authorizedAction('evals:write', byId, async ({ evalRunId }, user) => {
  await cancelEvalRun(evalRunId, user);
  refresh(evalRunId);
  return { evalRunId };
});

export const retryFailedEvalItemsAction = authorizedAction('evals:write', byId, async ({ evalRunId }, user) => {
  const retried = await retryFailedEvalItems(evalRunId, user);
  refresh(evalRunId);
  return { evalRunId, retried };
});

// Creating an audit needs the audit scope as well as reading evaluations; the audit scope is the stricter one.
export const createSpotCheckAction = authorizedAction('audits:write', createSpotCheckInputSchema, async (input, user) => {
  const created = await createEvalSpotCheck(input, user);
  revalidatePath('/audits');
  refresh(input.evalRunId);
  return created;
});

export const saveTargetPresetAction = authorizedAction('evals:write', saveTargetPresetInputSchema, async (input, user) => {
  const saved = await saveTargetPreset(input, user);
  revalidatePath('/evaluations/new');
  return saved;
});
