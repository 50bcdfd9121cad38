import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { BlurPreferenceToggle } from '@/components/settings/blur-preference-toggle';
import { requirePageUser } from '@/lib/auth/session';
import { can } from '@/lib/auth/permissions';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage() {
  const user = await requirePageUser('providers:read');
  return (
    <>
      <PageHeader title="Settings" />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Your account">
          <Link className="text-sm text-indigo-600 hover:underline dark:text-indigo-400" href="/settings/account">
            Password and sessions
          </Link>
        </Card>
        <Card title="Reading harmful content">
          <BlurPreferenceToggle initial={user.blurHarmful} />
        </Card>
        <Card title="Models">
          <Link className="text-sm text-indigo-600 hover:underline dark:text-indigo-400" href="/settings/providers">
            Model providers{can(user.role, 'providers:manage') ? '' : ' (read-only)'}
          </Link>
        </Card>
        {can(user.role, 'users:manage') && (
          <Card title="Administration">
            <ul className="space-y-2 text-sm">
              <li>
                <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href="/settings/users">
                  Users and roles
                </Link>
              </li>
              <li>
                <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href="/settings/audit-log">
                  Audit log
                </Link>
              </li>
            </ul>
          </Card>
        )}
      </div>
    </>
  );
}
