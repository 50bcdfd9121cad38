'use client';

import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { signOutNow } from '@/lib/auth/client';

export function SignOutButton() {
  const router = useRouter();
  return (
    <Button
      variant="ghost"
      onClick={async () => {
        await signOutNow();
        router.replace('/login');
        router.refresh();
      }}
    >
      Sign out
    </Button>
  );
}
