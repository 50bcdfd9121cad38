import type { ReactNode } from 'react';
import { PageHeader } from '@/components/ui/card';
import { DashboardView } from '@/components/review/dashboard-view';
import { ReviewTabs } from '@/components/review/review-tabs';
import type { DashboardData } from '@/lib/review/dashboard-types';

/** The body of a run or dataset dashboard page; `children` comes below the dashboard (the run's comparison). */
export function DashboardPage({ data, children }: { data: DashboardData; children?: ReactNode }) {
  return (
    <>
      <PageHeader title={data.title} />
      <ReviewTabs current="dashboards" />
      <DashboardView initial={data} />
      {children ? <div className="mt-4">{children}</div> : null}
    </>
  );
}
