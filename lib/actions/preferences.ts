'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { setBlurPreference } from '@/lib/auth/users';

// Every role reads corpora, so this is the scope for one's own reading preferences.
export const setBlurPreferenceAction = authorizedAction('corpora:read', z.object({ blurHarmful: z.boolean() }), async ({ blurHarmful }, user) => {
  await setBlurPreference(user.id, blurHarmful);
  revalidatePath('/', 'layout');
  return { blurHarmful };
});
