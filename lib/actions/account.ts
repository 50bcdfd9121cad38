'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { clientAddress } from '@/lib/auth/client-address';
import { changeOwnPassword, changePasswordSchema, endSessions } from '@/lib/auth/users';

export const changeOwnPasswordAction = authorizedAction('account:manage', changePasswordSchema, async (input, user) =>
  changeOwnPassword(user, input, clientAddress(await headers())),
);

export const signOutEverywhereAction = authorizedAction('account:manage', z.object({}), async (_input, user) => endSessions(user.id, user));
