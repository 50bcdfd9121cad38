import { cache } from 'react';
import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { db } from '@/lib/db/client';
import { authOptions } from '@/lib/auth/options';
import { accessDecision, type RoleName, type Scope } from '@/lib/auth/permissions';

export type CurrentUser = {
  id: string;
  email: string;
  name: string | null;
  role: RoleName;
  blurHarmful: boolean;
  mustChangePassword: boolean;
  /** The UserSession behind this request (lib/auth/sessions.ts). */
  sessionId: string;
};

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 403,
  ) {
    super(message);
  }
}

/**
 * The user behind a session, re-read from the database on every request: the session must still
 * exist (not signed out or ended) and the user be active, with their current role.
 */
export async function userForSession(session: { sessionId?: string } | null, now = new Date()): Promise<CurrentUser | null> {
  if (!session?.sessionId) return null;
  const row = await db().userSession.findUnique({
    where: { id: session.sessionId },
    select: { expiresAt: true, user: { select: { id: true, email: true, name: true, role: true, active: true, blurHarmful: true, mustChangePassword: true } } },
  });
  if (!row || row.expiresAt <= now || !row.user.active) return null;
  const { id, email, name, role, blurHarmful, mustChangePassword } = row.user;
  return { id, email, name, role, blurHarmful, mustChangePassword, sessionId: session.sessionId };
}

export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => userForSession(await getServerSession(authOptions)));

/** For pages: anonymous users go to the login page, users without the scope see 403. */
export async function requirePageUser(scope?: Scope): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect('/login');
  const decision = accessDecision(user, scope);
  if (decision === 'change-password') redirect('/change-password');
  if (decision === 'forbidden') redirect('/forbidden');
  return user;
}

/** For server actions and route handlers: throws AuthError (401/403). */
export async function requireScope(scope: Scope): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new AuthError('Sign in first.', 401);
  const decision = accessDecision(user, scope);
  if (decision === 'change-password') throw new AuthError('Choose a new password first (you are signed in with a generated one).', 403);
  if (decision === 'forbidden') throw new AuthError(`Your role (${user.role}) may not do this (needs ${scope}).`, 403);
  return user;
}
