// The one table that decides who may do what. Server actions, route handlers and pages call
// `can`/`requireScope` with a scope; the UI asks `can` with the same scope to hide controls.
import { enumValues } from '@/lib/db/enum-values';
import { Role } from '@/lib/db/generated/enums';

export const roles = enumValues(Role);
export type RoleName = Role;

export const scopes = [
  // One's own password and sessions.
  'account:manage',
  'users:manage',
  'auditlog:read',
  'providers:read',
  'providers:manage',
  'corpora:read',
  'corpora:write',
  'recipes:read',
  'recipes:write',
  'runs:read',
  'runs:write',
  'review:read',
  'review:write',
  'review:comment',
  'audits:read',
  'audits:write',
  'audits:review',
  'exports:read',
  'exports:write',
  'evals:read',
  'evals:write',
] as const;
export type Scope = (typeof scopes)[number];

const readEverything: Scope[] = ['providers:read', 'corpora:read', 'recipes:read', 'runs:read', 'review:read', 'audits:read', 'exports:read', 'evals:read'];

export const roleScopes: Record<RoleName, readonly Scope[]> = {
  ADMIN: scopes,
  RESEARCHER: [
    ...readEverything,
    'account:manage',
    'corpora:write',
    'recipes:write',
    'runs:write',
    'review:write',
    'review:comment',
    'audits:write',
    'audits:review',
    'exports:write',
    'evals:write',
  ],
  REVIEWER: [...readEverything, 'account:manage', 'review:comment', 'audits:review'],
};

export function can(role: RoleName | null | undefined, scope: Scope): boolean {
  return role != null && roleScopes[role].includes(scope);
}

/**
 * The one access rule for pages, route handlers and actions. A user signed in with a generated
 * password may only manage their own account until they have chosen a password.
 */
export function accessDecision(user: { role: RoleName; mustChangePassword: boolean }, scope?: Scope): 'allowed' | 'change-password' | 'forbidden' {
  if (user.mustChangePassword && scope !== 'account:manage') return 'change-password';
  if (scope && !can(user.role, scope)) return 'forbidden';
  return 'allowed';
}

export const roleDescriptions: Record<RoleName, string> = {
  ADMIN: 'Users, providers and everything researchers can do',
  RESEARCHER: 'Corpora, recipes, runs, exports and review',
  REVIEWER: 'Review and audits; read-only elsewhere',
};
