import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EmptyState } from '@/components/ui/card';
import { ContentNote } from '@/components/harmful-text';
import { ReviewSession } from '@/components/audits/review-session';
import { requirePageUser } from '@/lib/auth/session';
import { loadAuditOverview } from '@/lib/audit/statistics';

export const metadata: Metadata = { title: 'Review audit' };

export default async function ReviewAuditPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser('audits:review');
  const { id } = await params;
  const overview = await loadAuditOverview(id);
  if (!overview) notFound();
  if (overview.status !== 'OPEN') {
    return (
      <EmptyState
        title="This audit is closed"
        action={
          <Link href={`/audits/${id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
            See its statistics
          </Link>
        }
      >
        It no longer hands out items.
      </EmptyState>
    );
  }
  return (
    <>
      <ContentNote />
      <ReviewSession
        audit={{
          id: overview.id,
          name: overview.name,
          criteria: overview.criteria,
          blind: overview.blind,
          reasonTags: overview.settings.reasonTags,
          reviewersPerItem: overview.reviewersPerItem,
        }}
        guidelines={overview.guidelines}
        blurHarmful={user.blurHarmful}
      />
    </>
  );
}
