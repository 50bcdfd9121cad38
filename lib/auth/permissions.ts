// The one table that decides who may do what. Server actions, route handlers and pages call
// `can`/`requireScope` with a scope; the UI asks `can` with the same scope to hide controls.
export const roles = ['ADMIN', 'RESEARCHER', 'REVIEWER'] as const;
export type RoleName = (typeof roles)[number];

export const scopes = [
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
  REVIEWER: [...readEverything, 'review:comment', 'audits:review'],
};

export function can(role: RoleName | null | undefined, scope: Scope): boolean {
  return role != null && roleScopes[role].includes(scope);
}

export const roleDescriptions: Record<RoleName, string> = {
  ADMIN: 'Users, providers and everything researchers can do',
  RESEARCHER: 'Corpora, recipes, runs, exports and review',
  REVIEWER: 'Review and audits; read-only elsewhere',
};
