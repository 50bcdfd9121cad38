'use client';

import { useRouter } from 'next/navigation';

import { ActionButton } from '@/components/ui/action-button';
import { signOutEverywhereAction } from '@/lib/actions/account';
import { signOutNow } from '@/lib/auth/client';

export function SignOutEverywhereButton() {
  const router = useRouter();
  return (
    <ActionButton
      label="Sign out everywhere"
      variant="danger"
      run={() => signOutEverywhereAction({})}
      onDone={async () => {
        await signOutNow();
        router.replace('/login');
        router.refresh();
      }}
    />
  );
}
