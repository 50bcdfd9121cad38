import type { Metadata } from 'next';
import Link from 'next/link';
import { NewEvalForm } from '@/components/evaluations/new-eval-form';
import { Card, EmptyState, PageHeader } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';
import { listEndpointChoices, listEvalSets } from '@/lib/eval/queries';
import { listTargetPresets } from '@/lib/eval/targets';

export const metadata: Metadata = { title: 'New evaluation' };
export const dynamic = 'force-dynamic';

export default async function NewEvaluationPage({ searchParams }: { searchParams: Promise<{ set?: string }> }) {
  await requirePageUser('evals:write');
  const [{ set }, sets, endpoints, presets] = await Promise.all([searchParams, listEvalSets(), listEndpointChoices(), listTargetPresets()]);
  return (
    <>
      <PageHeader
        title="New evaluation"
        description="Targets generate responses (or use the responses a set carries); judges decide HARMLESS/HARMFUL, rate helpfulness or compare two responses in both orders. The models named here are fixed for this evaluation."
      />
      <Card>
        {sets.length === 0 ? (
          <EmptyState title="No prompt sets yet">
            <Link href="/evaluations" className="text-indigo-600 hover:underline">
              Import a prompt set or load the demo set first.
            </Link>
          </EmptyState>
        ) : (
          <NewEvalForm
            sets={sets.map((candidate) => ({ id: candidate.id, name: candidate.name, promptCount: candidate.promptCount, responseLabels: candidate.responseLabels }))}
            endpoints={endpoints}
            presets={presets.map((preset) => ({
              versionId: preset.versionId,
              name: preset.name,
              version: preset.version,
              target: preset.target,
            }))}
            initialSetId={set ?? null}
          />
        )}
      </Card>
    </>
  );
}
