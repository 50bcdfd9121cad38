'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { loadDemoEvalSetAction } from '@/lib/actions/evaluations';
import { Button } from '@/components/ui/button';

export function LoadDemoSetButton() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-2">
      <Button
        variant="secondary"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await loadDemoEvalSetAction({});
            if (!result.ok) setError(result.error);
            else router.push(`/evaluations/sets/${result.data.setId}`);
          })
        }
      >
        {pending ? 'Loading…' : 'Load the demo prompt set'}
      </Button>
      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </div>
  );
}
