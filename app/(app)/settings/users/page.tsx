import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/card';
import { UsersAdmin } from '@/components/settings/users-admin';
import { requirePageUser } from '@/lib/auth/session';
import { listUsers } from '@/lib/auth/users';
import { roleDescriptions } from '@/lib/auth/permissions';

export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const admin = await requirePageUser('users:manage');
  const users = await listUsers();
  return (
    <>
      <PageHeader title="Users and roles" description="Create accounts, change roles, reset passwords, end sessions, deactivate. Changes end the user's current sessions at once and are recorded in the audit log." />
      <UsersAdmin
        currentUserId={admin.id}
        roleDescriptions={roleDescriptions}
        users={users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }))}
      />
    </>
  );
}
