import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { ChangePasswordForm } from '@/components/settings/change-password-form';
import { SignOutButton } from '@/components/auth/sign-out-button';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Choose a new password' };

// Where every page sends a user signed in with a generated password (lib/auth/permissions.ts).
export default async function ChangePasswordPage() {
  const user = await requirePageUser('account:manage');
  if (!user.mustChangePassword) redirect('/settings/account');
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm space-y-4">
        <div className="text-center">
          <h1 className="text-2xl font-semibold tracking-tight">Choose a new password</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            You signed in as <strong>{user.email}</strong> with a generated password. Choose your own to continue.
          </p>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <ChangePasswordForm then="/" />
        </div>
        <div className="text-center">
          <SignOutButton />
        </div>
      </div>
    </main>
  );
}
