import type { Metadata } from 'next';
import { Suspense } from 'react';
import Link from 'next/link';
import { ContentNote } from '@/components/harmful-text';
import { PageHeader } from '@/components/ui/card';
import { ReviewTabs } from '@/components/review/review-tabs';
import { ReviewWorkspace } from '@/components/review/review-workspace';
import { requirePageUser } from '@/lib/auth/session';
import { can } from '@/lib/auth/permissions';
import { reviewFilterOptions } from '@/lib/review/options';

export const metadata: Metadata = { title: 'Review' };

export default async function ReviewPairsPage() {
  const user = await requirePageUser('review:read');
  const options = await reviewFilterOptions();
  return (
    <>
      <PageHeader
        title="Review"
        description="Preference pairs from imported datasets and pipeline runs: instruction, chosen and rejected side by side with every verdict and reason. Keep, drop, tag and fix them; every change is recorded."
      />
      <ReviewTabs current="pairs" />
      <ContentNote />
      <p className="-mt-2 mb-4 text-xs text-slate-500">
        Blur is {user.blurHarmful ? 'on' : 'off'} for you; change it in <Link href="/settings" className="underline">Settings</Link>.
      </p>
      <Suspense>
        <ReviewWorkspace view="pairs" options={options} permissions={{ write: can(user.role, 'review:write'), comment: can(user.role, 'review:comment') }} blurHarmful={user.blurHarmful} />
      </Suspense>
    </>
  );
}
