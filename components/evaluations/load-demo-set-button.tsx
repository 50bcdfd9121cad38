'use client';

import { useRouter } from 'next/navigation';

import { ActionButton } from '@/components/ui/action-button';
import { loadDemoEvalSetAction } from '@/lib/actions/evaluations';

export function LoadDemoSetButton() {
  const router = useRouter();
  return (
    <ActionButton
      label="Load the demo prompt set"
      pendingLabel="Loading…"
      variant="secondary"
      run={() => loadDemoEvalSetAction({})}
      onDone={(data) => router.push(`/evaluations/sets/${data.setId}`)}
    />
  );
}
