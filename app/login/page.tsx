import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getCurrentUser } from '@/lib/auth/session';
import { LoginForm } from '@/components/auth/login-form';

export const metadata: Metadata = { title: 'Sign in' };

// The one public page.
export const publicRoute = true;

export default async function LoginPage() {
  if (await getCurrentUser()) redirect('/');
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <h1 className="text-2xl font-semibold tracking-tight">Safer-Instruct Studio</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">Preference data for safer models</p>
        </div>
        <LoginForm />
      </div>
    </main>
  );
}
