import type { Metadata } from 'next';
import { SetImportForm } from '@/components/evaluations/set-import-form';
import { Card, PageHeader } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Import a prompt set' };

export default async function NewEvalSetPage() {
  await requirePageUser('evals:write');
  return (
    <>
      <PageHeader
        title="Import a prompt set"
        description="A prompt column, optionally a group (e.g. the benchmark) and a reference answer, and optionally one column per model with responses it already gave. Command line: npx tsx scripts/eval-import.ts <file> --name … --prompt … [--group …] [--response column=label]."
      />
      <Card>
        <SetImportForm />
      </Card>
    </>
  );
}
