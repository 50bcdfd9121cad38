import { EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export default async function ForbiddenPage() {
  const user = await requirePageUser();
  return (
    <EmptyState title="You cannot open this page">
      Your role ({user.role}) does not include it. Ask an administrator if you need access.
    </EmptyState>
  );
}
