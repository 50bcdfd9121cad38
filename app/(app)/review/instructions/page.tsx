import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ContentNote } from '@/components/harmful-text';
import { PageHeader } from '@/components/ui/card';
import { ReviewTabs } from '@/components/review/review-tabs';
import { ReviewWorkspace } from '@/components/review/review-workspace';
import { requirePageUser } from '@/lib/auth/session';
import { can } from '@/lib/auth/permissions';
import { reviewFilterOptions } from '@/lib/review/options';

export const metadata: Metadata = { title: 'Instructions · Review' };

export default async function ReviewInstructionsPage() {
  const user = await requirePageUser('review:read');
  const options = await reviewFilterOptions();
  return (
    <>
      <PageHeader
        title="Induced instructions"
        description="Every induced instruction with its topic, run or dataset, the filter's verdict and the judge's reason. Open one to see the source text, the exact prompt, the raw model output, timings, cost and the history of human changes."
      />
      <ReviewTabs current="instructions" />
      <ContentNote />
      <Suspense>
        <ReviewWorkspace view="instructions" options={options} permissions={{ write: can(user.role, 'review:write'), comment: can(user.role, 'review:comment') }} blurHarmful={user.blurHarmful} />
      </Suspense>
    </>
  );
}
