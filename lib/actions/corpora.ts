'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';

import { authorizedAction } from '@/lib/actions/authorized-action';
import type { CurrentUser } from '@/lib/auth/session';
import { deleteCorpus, deleteDataset } from '@/lib/importers/corpora';
import { importConfigSchema } from '@/lib/importers/jobs/config';
import { beginImport, cancelImport, deleteImport, queueImport, resumeImport } from '@/lib/importers/jobs/lifecycle';
import { loadSampleCorpus } from '@/lib/importers/sample';

const id = z.string().min(1).max(100);
const actorOf = (user: CurrentUser) => ({ id: user.id, email: user.email });

export const loadSampleCorpusAction = authorizedAction('corpora:write', z.object({}), async (_input, user) => {
  const result = await loadSampleCorpus(actorOf(user));
  revalidatePath('/corpora');
  return result;
});

/** The mapping step: settle the mapping, then queue the import for a worker. */
export const startImportAction = authorizedAction('corpora:write', z.object({ importId: id, config: importConfigSchema }), async ({ importId, config }, user) => {
  const { token } = await beginImport(importId, config, actorOf(user));
  await queueImport(importId, token);
  return { importId };
});

export const cancelImportAction = authorizedAction('corpora:write', z.object({ importId: id }), async ({ importId }, user) => {
  await cancelImport(importId, actorOf(user));
  return { importId };
});

export const resumeImportAction = authorizedAction('corpora:write', z.object({ importId: id }), async ({ importId }, user) => {
  const { token } = await resumeImport(importId, actorOf(user));
  await queueImport(importId, token);
  return { importId };
});

export const deleteImportAction = authorizedAction('corpora:write', z.object({ importId: id }), async ({ importId }, user) => {
  await deleteImport(importId, actorOf(user));
  revalidatePath('/corpora');
  return { importId };
});

const confirmed = z.object({ id, confirmName: z.string().max(300) });

export const deleteCorpusAction = authorizedAction('corpora:write', confirmed, async ({ id: corpusId, confirmName }, user) => {
  await deleteCorpus(corpusId, confirmName, actorOf(user));
  revalidatePath('/corpora');
  return { id: corpusId };
});

export const deleteDatasetAction = authorizedAction('corpora:write', confirmed, async ({ id: datasetId, confirmName }, user) => {
  await deleteDataset(datasetId, confirmName, actorOf(user));
  revalidatePath('/corpora');
  return { id: datasetId };
});
