'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { createEndpoint, deleteEndpoint, loadEndpointConfig, updateEndpoint } from '@/lib/llm/endpoints';
import { scrubSecrets } from '@/lib/llm/secrets';
import { testEndpoint } from '@/lib/llm/test-endpoint';
import { endpointInputSchema } from '@/lib/llm/types';

const PAGE = '/settings/providers';
const byId = z.object({ id: z.string().min(1) });

export const createEndpointAction = authorizedAction('providers:manage', endpointInputSchema, async (input, user) => {
  const endpoint = await createEndpoint(input, user);
  revalidatePath(PAGE);
  return endpoint;
});

export const updateEndpointAction = authorizedAction(
  'providers:manage',
  endpointInputSchema.and(z.object({ id: z.string().min(1), keepStoredKey: z.boolean() })),
  async ({ id, keepStoredKey, ...input }, user) => {
    const endpoint = await updateEndpoint(id, input, { keepStoredKey }, user);
    revalidatePath(PAGE);
    return endpoint;
  },
);

export const deleteEndpointAction = authorizedAction('providers:manage', byId, async ({ id }, user) => {
  await deleteEndpoint(id, user);
  revalidatePath(PAGE);
  return { id };
});

// One real call; the key stays on the server, and a reply that echoes it is masked too.
export const testEndpointAction = authorizedAction('providers:manage', byId, async ({ id }) => {
  const config = await loadEndpointConfig(id);
  const outcome = await testEndpoint(config);
  return outcome.ok ? { ...outcome, reply: scrubSecrets(outcome.reply, config.apiKey), simulated: config.simulated } : { ...outcome, simulated: config.simulated };
});
