import { z } from 'zod';
import { requireScope, AuthError, type CurrentUser } from '@/lib/auth/session';
import type { Scope } from '@/lib/auth/permissions';
import { UserFacingError } from '@/lib/errors';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors?: Record<string, string[]> };

/**
 * Every server action is built with this: check the scope, validate the input with zod,
 * then run. Errors the user can fix come back as data, not as thrown exceptions.
 */
export function authorizedAction<Schema extends z.ZodType, Result>(
  scope: Scope,
  schema: Schema,
  handler: (input: z.output<Schema>, user: CurrentUser) => Promise<Result>,
): (input: z.input<Schema>) => Promise<ActionResult<Result>> {
  return async (input) => {
    let user: CurrentUser;
    try {
      user = await requireScope(scope);
    } catch (error) {
      if (error instanceof AuthError) return { ok: false, error: error.message };
      throw error;
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const fieldErrors: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) (fieldErrors[issue.path.join('.') || '_'] ??= []).push(issue.message);
      return { ok: false, error: 'Some fields are invalid.', fieldErrors };
    }
    try {
      return { ok: true, data: await handler(parsed.data, user) };
    } catch (error) {
      if (error instanceof UserFacingError) return { ok: false, error: error.message, ...(error.field ? { fieldErrors: { [error.field]: [error.message] } } : {}) };
      throw error;
    }
  };
}

/** Route handlers: the same check, answered as JSON 401/403. */
export async function authorizeRoute(scope: Scope): Promise<{ user: CurrentUser } | { response: Response }> {
  try {
    return { user: await requireScope(scope) };
  } catch (error) {
    if (error instanceof AuthError) return { response: Response.json({ error: error.message }, { status: error.status }) };
    throw error;
  }
}
