import Link from 'next/link';
import { NavLink } from '@/components/nav-link';
import { ThemeToggle } from '@/components/theme-toggle';
import { SignOutButton } from '@/components/auth/sign-out-button';
import { Badge } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { navigation } from '@/lib/navigation';
import type { CurrentUser } from '@/lib/auth/session';

export function AppShell({ user, children }: { user: CurrentUser; children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen">
      <aside className="hidden w-56 shrink-0 border-r border-slate-200 bg-white px-3 py-4 md:block dark:border-slate-800 dark:bg-slate-900">
        <Link href="/" className="mb-6 block px-3 text-sm font-semibold tracking-tight">
          Safer-Instruct Studio
        </Link>
        <nav aria-label="Main" className="space-y-1">
          {navigation
            .filter((item) => can(user.role, item.scope))
            .map((item) => (
              <NavLink key={item.href} href={item.href}>
                {item.label}
              </NavLink>
            ))}
        </nav>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-6 py-2 dark:border-slate-800 dark:bg-slate-900">
          <span className="text-sm text-slate-600 dark:text-slate-400" data-testid="current-user">
            {user.email}
          </span>
          <Badge tone="info">{user.role}</Badge>
          <ThemeToggle />
          <SignOutButton />
        </header>
        <main className="flex-1 px-6 py-6">{children}</main>
      </div>
    </div>
  );
}
