import type { Metadata } from 'next';
import { Card, PageHeader } from '@/components/ui/card';
import { ChangePasswordForm } from '@/components/settings/change-password-form';
import { SignOutEverywhereButton } from '@/components/settings/sign-out-everywhere-button';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Password and sessions' };

export default async function AccountPage() {
  const user = await requirePageUser('account:manage');
  return (
    <>
      <PageHeader title="Password and sessions" description={`Signed in as ${user.email}.`} />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Change password">
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">Your other sessions end; this one stays signed in.</p>
          <ChangePasswordForm />
        </Card>
        <Card title="Sessions">
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            Ends every session of your account, in every browser, including this one. Use it when you signed in on a machine you no longer control.
          </p>
          <SignOutEverywhereButton />
        </Card>
      </div>
    </>
  );
}
