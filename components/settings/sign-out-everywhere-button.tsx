'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { signOutEverywhereAction } from '@/lib/actions/account';
import { signOutNow } from '@/lib/auth/client';

export function SignOutEverywhereButton() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-2">
      <Button
        variant="danger"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await signOutEverywhereAction({});
            if (!result.ok) return setError(result.error);
            await signOutNow();
            router.replace('/login');
            router.refresh();
          })
        }
      >
        Sign out everywhere
      </Button>
      {error && (
        <p role="alert" className="text-sm text-rose-600">
          {error}
        </p>
      )}
    </div>
  );
}
