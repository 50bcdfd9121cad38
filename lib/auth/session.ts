import { cache } from 'react';
import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { db } from '@/lib/db/client';
import { authOptions } from '@/lib/auth/options';
import { can, type RoleName, type Scope } from '@/lib/auth/permissions';

export type CurrentUser = { id: string; email: string; name: string | null; role: RoleName; blurHarmful: boolean };

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 403,
  ) {
    super(message);
  }
}

/**
 * The user behind a session, re-read from the database so that deactivation and role changes
 * take effect at once (the JWT alone would stay valid until it expires).
 */
export async function userForSession(session: { userId?: string; sessionVersion?: number } | null): Promise<CurrentUser | null> {
  if (!session?.userId) return null;
  const user = await db().user.findUnique({
    where: { id: session.userId },
    select: { id: true, email: true, name: true, role: true, active: true, sessionVersion: true, blurHarmful: true },
  });
  if (!user || !user.active || user.sessionVersion !== session.sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, blurHarmful: user.blurHarmful };
}

export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => userForSession(await getServerSession(authOptions)));

/** For pages: anonymous users go to the login page, users without the scope see 403. */
export async function requirePageUser(scope?: Scope): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect('/login');
  if (scope && !can(user.role, scope)) redirect('/forbidden');
  return user;
}

/** For server actions and route handlers: throws AuthError (401/403). */
export async function requireScope(scope: Scope): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new AuthError('Sign in first.', 401);
  if (!can(user.role, scope)) throw new AuthError(`Your role (${user.role}) may not do this (needs ${scope}).`, 403);
  return user;
}
