'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { createUser, endSessions, newUserSchema, resetPassword, updateUser } from '@/lib/auth/users';
import { roles } from '@/lib/auth/permissions';

export const createUserAction = authorizedAction('users:manage', newUserSchema, async (input, actor) => {
  const user = await createUser(input, actor);
  revalidatePath('/settings/users');
  return user;
});

const updateUserSchema = z.object({ userId: z.string().min(1), role: z.enum(roles).optional(), active: z.boolean().optional() });

export const updateUserAction = authorizedAction('users:manage', updateUserSchema, async ({ userId, ...change }, actor) => {
  const user = await updateUser(userId, change, actor);
  revalidatePath('/settings/users');
  return user;
});

const userIdSchema = z.object({ userId: z.string().min(1) });

/** Returns the generated password once; it is stored only as a hash. */
export const resetPasswordAction = authorizedAction('users:manage', userIdSchema, async ({ userId }, actor) => resetPassword(userId, actor));

export const endSessionsAction = authorizedAction('users:manage', userIdSchema, async ({ userId }, actor) => endSessions(userId, actor));
