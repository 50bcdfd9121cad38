'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { deleteEvalSetAction } from '@/lib/actions/evaluations';
import { Button } from '@/components/ui/button';

export function DeleteSetButton({ setId, runs }: { setId: string; runs: number }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <span>
      <Button
        variant="danger"
        disabled={pending}
        onClick={() => {
          if (!window.confirm(runs > 0 ? `Delete this set and its ${runs} evaluation(s) with all their results?` : 'Delete this set?')) return;
          startTransition(async () => {
            const result = await deleteEvalSetAction({ setId });
            if (!result.ok) setError(result.error);
            else router.push('/evaluations');
          });
        }}
      >
        Delete set
      </Button>
      {error && (
        <span role="alert" className="ml-2 text-sm text-rose-600">
          {error}
        </span>
      )}
    </span>
  );
}
