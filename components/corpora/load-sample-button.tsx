'use client';

import { useRouter } from 'next/navigation';

import { ActionButton } from '@/components/ui/action-button';
import { loadSampleCorpusAction } from '@/lib/actions/corpora';

export function LoadSampleButton() {
  const router = useRouter();
  return (
    <ActionButton
      label="Load the sample corpus"
      pendingLabel="Loading…"
      run={() => loadSampleCorpusAction({})}
      onDone={(data) => router.push(`/corpora/${data.corpusId}`)}
    />
  );
}
