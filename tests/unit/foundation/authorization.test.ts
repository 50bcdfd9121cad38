import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, listAppFiles } from './authz-coverage';
import { accessDecision, can, roles, roleScopes, scopes } from '@/lib/auth/permissions';

const appDir = path.resolve(process.cwd(), 'app');
// Server actions live next to their domain, outside app/; they are guarded all the same.
const actionsDir = path.resolve(process.cwd(), 'lib', 'actions');

describe('every route, route handler and server action checks authorisation', () => {
  const files = listAppFiles(appDir);

  it('finds the app from the file system', () => {
    expect(files.some((f) => f.endsWith(path.join('settings', 'users', 'page.tsx')))).toBe(true);
  });

  it('finds the server actions under lib/actions', () => {
    const actionFiles = listAppFiles(actionsDir);
    expect(actionFiles.some((f) => f.endsWith(path.join('actions', 'runs.ts')))).toBe(true);
    expect(actionFiles.filter((f) => /^'use server';/.test(fs.readFileSync(f, 'utf8'))).length).toBeGreaterThan(5);
  });

  it('has no unguarded page, handler or action', () => {
    const violations = files.flatMap((file) => checkFile(path.relative(appDir, file), fs.readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('has no server action under lib/actions that skips authorizedAction', () => {
    const violations = listAppFiles(actionsDir).flatMap((file) => checkFile(path.relative(process.cwd(), file), fs.readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('keeps server actions in app/ or lib/actions, and every lib/actions module but the wrapper is one', () => {
    const isServerActionFile = (f: string) => /^\s*(['"])use server\1/.test(fs.readFileSync(f, 'utf8'));
    const elsewhere = ['lib', 'components']
      .flatMap((dir) => listAppFiles(path.resolve(process.cwd(), dir)))
      .filter((f) => !f.startsWith(actionsDir + path.sep) && !f.includes(`${path.sep}generated${path.sep}`) && isServerActionFile(f));
    expect(elsewhere).toEqual([]);
    const notActions = listAppFiles(actionsDir).filter((f) => path.basename(f) !== 'authorized-action.ts' && !isServerActionFile(f));
    expect(notActions).toEqual([]);
  });

  it('only the login page and the next-auth endpoint are public', () => {
    const publicFiles = files.filter((f) => /export const publicRoute = true/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(appDir, f));
    expect(publicFiles.sort()).toEqual([path.join('api', 'auth', '[...nextauth]', 'route.ts'), path.join('login', 'page.tsx')].sort());
  });

  // The checker itself must be able to fail.
  it('flags a page without a guard', () => {
    const page = `export default async function Page() { return <div/>; }`;
    expect(checkFile('x/page.tsx', page)).toEqual([{ file: 'x/page.tsx', problem: expect.stringMatching(/does not call requirePageUser/) }]);
    expect(checkFile('x/page.tsx', `export default async function Page() { await requirePageUser('runs:read'); return <div/>; }`)).toEqual([]);
  });

  it('flags a route handler method without a guard', () => {
    const route = `export async function GET() { await authorizeRoute('runs:read'); return new Response(); }\nexport async function POST() { return new Response(); }`;
    expect(checkFile('api/x/route.ts', route)).toEqual([{ file: 'api/x/route.ts', problem: 'POST handler does not call authorizeRoute/requireScope' }]);
  });

  it('flags a server action not built with authorizedAction', () => {
    const actions = `'use server';\nexport const ok = authorizedAction('runs:write', schema, async () => 1);\nexport async function sneaky() { return 1; }`;
    expect(checkFile('x/actions.ts', actions)).toEqual([{ file: 'x/actions.ts', problem: expect.stringMatching(/sneaky is not built with authorizedAction/) }]);
  });
});

describe('role → scope table', () => {
  it('gives admins everything and reviewers no writes except review comments, audit labels and their own account', () => {
    expect([...roleScopes.ADMIN].sort()).toEqual([...scopes].sort());
    const reviewerWrites = roleScopes.REVIEWER.filter((s) => !s.endsWith(':read'));
    expect(reviewerWrites.sort()).toEqual(['account:manage', 'audits:review', 'review:comment']);
  });

  it('lets every role manage its own account', () => {
    for (const role of roles) expect(can(role, 'account:manage')).toBe(true);
  });

  it('allows only account management while a generated password must be changed', () => {
    const forced = { role: 'ADMIN' as const, mustChangePassword: true };
    expect(accessDecision(forced, 'account:manage')).toBe('allowed');
    expect(accessDecision(forced, 'runs:read')).toBe('change-password');
    expect(accessDecision(forced)).toBe('change-password');
    const reviewer = { role: 'REVIEWER' as const, mustChangePassword: false };
    expect(accessDecision(reviewer)).toBe('allowed');
    expect(accessDecision(reviewer, 'review:read')).toBe('allowed');
    expect(accessDecision(reviewer, 'users:manage')).toBe('forbidden');
  });

  it('keeps user and provider management with admins', () => {
    expect(can('RESEARCHER', 'users:manage')).toBe(false);
    expect(can('RESEARCHER', 'providers:manage')).toBe(false);
    expect(can('RESEARCHER', 'runs:write')).toBe(true);
    expect(can('REVIEWER', 'exports:write')).toBe(false);
    expect(can(null, 'runs:read')).toBe(false);
  });
});
