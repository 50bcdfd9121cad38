'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { changeOwnPasswordAction } from '@/lib/actions/account';

/** Current password, new password twice. `then` is where to go afterwards (default: stay). */
export function ChangePasswordForm({ then }: { then?: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [done, setDone] = useState<number | null>(null);

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const newPassword = String(form.get('newPassword'));
    if (newPassword !== String(form.get('repeatPassword'))) {
      setError(null);
      setFieldErrors({ repeatPassword: ['The two new passwords differ.'] });
      return;
    }
    startTransition(async () => {
      const result = await changeOwnPasswordAction({ currentPassword: String(form.get('currentPassword')), newPassword });
      if (!result.ok) {
        setError(result.error);
        setFieldErrors(result.fieldErrors ?? {});
        setDone(null);
        return;
      }
      setError(null);
      setFieldErrors({});
      formElement.reset();
      setDone(result.data.endedSessions);
      if (then) router.replace(then);
      router.refresh();
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-3" aria-label="Change password">
      <Field label="Current password" htmlFor="current-password" error={fieldErrors.currentPassword?.[0]}>
        <Input id="current-password" name="currentPassword" type="password" autoComplete="current-password" required />
      </Field>
      <Field label="New password" htmlFor="new-password" error={fieldErrors.newPassword?.[0]} hint="At least 10 characters.">
        <Input id="new-password" name="newPassword" type="password" autoComplete="new-password" required />
      </Field>
      <Field label="Repeat the new password" htmlFor="repeat-password" error={fieldErrors.repeatPassword?.[0]}>
        <Input id="repeat-password" name="repeatPassword" type="password" autoComplete="new-password" required />
      </Field>
      {error && (
        <p role="alert" className="text-sm text-rose-600">
          {error}
        </p>
      )}
      {done !== null && (
        <p data-testid="password-changed" className="text-sm text-emerald-700 dark:text-emerald-400">
          Password changed. {done === 0 ? 'You had no other sessions.' : `Signed out ${done} other session${done === 1 ? '' : 's'}.`}
        </p>
      )}
      <Button type="submit" disabled={pending}>
        Change password
      </Button>
    </form>
  );
}
