import type { Scope } from '@/lib/auth/permissions';

/** The app's areas; a user sees an entry when their role has its scope. */
export const navigation: { href: string; label: string; scope: Scope }[] = [
  { href: '/', label: 'Dashboard', scope: 'runs:read' },
  { href: '/corpora', label: 'Corpora', scope: 'corpora:read' },
  { href: '/recipes', label: 'Recipes', scope: 'recipes:read' },
  { href: '/runs', label: 'Runs', scope: 'runs:read' },
  { href: '/review', label: 'Review', scope: 'review:read' },
  { href: '/audits', label: 'Audits', scope: 'audits:read' },
  { href: '/evaluations', label: 'Evaluations', scope: 'evals:read' },
  { href: '/exports', label: 'Exports', scope: 'exports:read' },
  { href: '/settings', label: 'Settings', scope: 'providers:read' },
];
