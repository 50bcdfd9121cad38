'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { Card, Badge } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { createUserAction, endSessionsAction, resetPasswordAction, updateUserAction } from '@/lib/actions/users';
import { roles, type RoleName } from '@/lib/auth/permissions';

type UserRow = { id: string; email: string; name: string | null; role: RoleName; active: boolean; createdAt: string };

export function UsersAdmin({ users, currentUserId, roleDescriptions }: { users: UserRow[]; currentUserId: string; roleDescriptions: Record<RoleName, string> }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [formError, setFormError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [rowError, setRowError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  // A reset password lives only in this state: shown once, gone on reload.
  const [reset, setReset] = useState<{ email: string; password: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function onCreate(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    startTransition(async () => {
      const result = await createUserAction({
        email: String(form.get('email')),
        name: String(form.get('name') ?? ''),
        password: String(form.get('password')),
        role: String(form.get('role')) as RoleName,
      });
      if (result.ok) {
        setFormError(null);
        setFieldErrors({});
        setCreated(result.data.email);
        formElement.reset();
        router.refresh();
      } else {
        setFormError(result.error);
        setFieldErrors(result.fieldErrors ?? {});
      }
    });
  }

  function change(userId: string, patch: { role?: RoleName; active?: boolean }) {
    startTransition(async () => {
      const result = await updateUserAction({ userId, ...patch });
      setRowError(result.ok ? null : result.error);
      router.refresh();
    });
  }

  function resetPasswordOf(user: UserRow) {
    if (!window.confirm(`Reset the password of ${user.email}? Their sessions end and they must sign in with the new password.`)) return;
    startTransition(async () => {
      const result = await resetPasswordAction({ userId: user.id });
      setRowError(result.ok ? null : result.error);
      setNotice(null);
      setReset(result.ok ? result.data : null);
    });
  }

  function endSessionsOf(userId: string) {
    startTransition(async () => {
      const result = await endSessionsAction({ userId });
      setRowError(result.ok ? null : result.error);
      setReset(null);
      if (result.ok) setNotice(`Ended ${result.data.endedSessions} session${result.data.endedSessions === 1 ? '' : 's'} of ${result.data.email}.`);
    });
  }

  return (
    <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
      <Card title={`${users.length} user${users.length === 1 ? '' : 's'}`}>
        {rowError && (
          <p role="alert" className="mb-3 text-sm text-rose-600">
            {rowError}
          </p>
        )}
        {notice && (
          <p role="status" className="mb-3 text-sm text-emerald-700 dark:text-emerald-400">
            {notice}
          </p>
        )}
        {reset && (
          <div role="status" className="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950">
            New password for {reset.email} — shown only now; pass it on over a safe channel. They must choose their own at sign-in; their sessions have ended.
            <code data-testid="reset-password-value" className="mt-1 block select-all font-mono text-base">
              {reset.password}
            </code>
          </div>
        )}
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-2">Email</th>
              <th>Role</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} className="border-t border-slate-100 dark:border-slate-800" data-testid={`user-row-${user.email}`}>
                <td className="py-2">
                  {user.email}
                  {user.name && <span className="block text-xs text-slate-500">{user.name}</span>}
                </td>
                <td>
                  <Select
                    aria-label={`Role of ${user.email}`}
                    value={user.role}
                    disabled={pending || user.id === currentUserId}
                    onChange={(event) => change(user.id, { role: event.target.value as RoleName })}
                    className="w-36"
                  >
                    {roles.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </Select>
                </td>
                <td>{user.active ? <Badge tone="good">active</Badge> : <Badge tone="bad">deactivated</Badge>}</td>
                <td className="space-x-1 whitespace-nowrap py-1 text-right">
                  {user.id !== currentUserId && (
                    <>
                      <Button variant="ghost" disabled={pending} onClick={() => resetPasswordOf(user)}>
                        Reset password
                      </Button>
                      <Button variant="ghost" disabled={pending} onClick={() => endSessionsOf(user.id)}>
                        End sessions
                      </Button>
                      <Button variant={user.active ? 'secondary' : 'primary'} disabled={pending} onClick={() => change(user.id, { active: !user.active })}>
                        {user.active ? 'Deactivate' : 'Reactivate'}
                      </Button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Create a user">
        <form onSubmit={onCreate} className="space-y-3" aria-label="Create a user">
          <Field label="Email" htmlFor="new-email" error={fieldErrors.email?.[0]}>
            <Input id="new-email" name="email" type="email" required />
          </Field>
          <Field label="Name (optional)" htmlFor="new-name" error={fieldErrors.name?.[0]}>
            <Input id="new-name" name="name" />
          </Field>
          <Field label="Initial password" htmlFor="new-password" error={fieldErrors.password?.[0]} hint="At least 10 characters. Share it over a safe channel.">
            <Input id="new-password" name="password" type="password" autoComplete="new-password" required />
          </Field>
          <Field label="Role" htmlFor="new-role">
            <Select id="new-role" name="role" defaultValue="RESEARCHER">
              {roles.map((role) => (
                <option key={role} value={role}>
                  {role} — {roleDescriptions[role]}
                </option>
              ))}
            </Select>
          </Field>
          {formError && (
            <p role="alert" className="text-sm text-rose-600">
              {formError}
            </p>
          )}
          {created && <p className="text-sm text-emerald-700 dark:text-emerald-400">Created {created}.</p>}
          <Button type="submit" disabled={pending}>
            Create user
          </Button>
        </form>
      </Card>
    </div>
  );
}
