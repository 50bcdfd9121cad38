'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { loadSampleCorpusAction } from '@/lib/actions/corpora';
import { Button } from '@/components/ui/button';

export function LoadSampleButton() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-2">
      <Button
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await loadSampleCorpusAction({});
            if (!result.ok) setError(result.error);
            else router.push(`/corpora/${result.data.corpusId}`);
          })
        }
      >
        {pending ? 'Loading…' : 'Load the sample corpus'}
      </Button>
      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </div>
  );
}
