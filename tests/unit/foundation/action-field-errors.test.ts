import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

vi.mock('@/lib/auth/session', () => ({
  AuthError: class AuthError extends Error {},
  requireScope: async () => ({ id: 'u1', email: 'a@example.test', name: null, role: 'ADMIN', blurHarmful: true }),
}));

const { authorizedAction } = await import('@/lib/actions/authorized-action');
const { UserFacingError } = await import('@/lib/errors');

describe('authorizedAction and user-facing errors', () => {
  it('returns the message next to its field when the error names one', async () => {
    const action = authorizedAction('providers:manage', z.object({}), async () => {
      throw new UserFacingError('Enter the key again.', { field: 'apiKey' });
    });
    expect(await action({})).toEqual({ ok: false, error: 'Enter the key again.', fieldErrors: { apiKey: ['Enter the key again.'] } });
  });

  it('returns a plain message otherwise', async () => {
    const action = authorizedAction('providers:manage', z.object({}), async () => {
      throw new UserFacingError('Nope.');
    });
    expect(await action({})).toEqual({ ok: false, error: 'Nope.' });
  });
});
