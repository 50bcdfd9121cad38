import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { RecentRuns } from '@/components/pipeline/recent-runs';
import { requirePageUser } from '@/lib/auth/session';
import { listRuns } from '@/lib/pipeline/progress';

export const metadata: Metadata = { title: 'Dashboard' };
export const dynamic = 'force-dynamic';

const steps = [
  { title: 'Import a corpus', body: 'Human-written harmful texts become the rejected side.', href: '/corpora' },
  { title: 'Pick a recipe', body: 'Models and prompts for induction, filtering and safe answers.', href: '/recipes' },
  { title: 'Run the pipeline', body: 'Induce instructions, filter them, write safe answers, filter the pairs.', href: '/runs' },
  { title: 'Review and audit', body: 'Browse the pairs and spot-check a random sample with statistics.', href: '/review' },
  { title: 'Export', body: 'Download TRL, OpenAI, HH-RLHF, Alpaca, CSV or Parquet with a dataset card.', href: '/exports' },
];

export default async function DashboardPage() {
  const user = await requirePageUser('runs:read');
  const recentRuns = await listRuns({ limit: 5 });
  return (
    <>
      <PageHeader title={`Welcome${user.name ? `, ${user.name}` : ''}`} description="Safer-Instruct turns existing harmful text into preference pairs: the text is the rejected answer, an induced instruction is the prompt, and an expert model writes the safe, chosen answer." />
      <Card title="Getting started">
        <ol className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
          {steps.map((step, index) => (
            <li key={step.href}>
              <Link href={step.href} className="block h-full rounded-md border border-slate-200 p-3 hover:border-indigo-400 dark:border-slate-800">
                <span className="text-xs font-semibold text-indigo-600 dark:text-indigo-400">Step {index + 1}</span>
                <span className="mt-1 block text-sm font-medium">{step.title}</span>
                <span className="mt-1 block text-xs text-slate-600 dark:text-slate-400">{step.body}</span>
              </Link>
            </li>
          ))}
        </ol>
      </Card>
      <div className="mt-4">
        <RecentRuns runs={recentRuns} />
      </div>
    </>
  );
}
