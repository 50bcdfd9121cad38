import type { Metadata } from 'next';
import { Card, PageHeader } from '@/components/ui/card';
import { ReversedDataTool } from '@/components/pipeline/reversed-data-tool';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Reversed-tuning data' };

export default async function ReversedDataPage() {
  await requirePageUser('runs:write');
  return (
    <>
      <PageHeader
        title="Reversed-tuning data"
        description="Stage 1 of Safer-Instruct: flip an instruction dataset so a model learns to write the instruction for a given response. Each (instruction, response) pair becomes a record whose prompt is the response in the reversed template and whose completion is the instruction. The default is the authors' template, verbatim from the Safer-Instruct README — the same text the built-in recipes' induction stage sends to the reversed model."
      />
      <Card>
        <ReversedDataTool />
        <p className="mt-4 text-xs text-slate-500">
          The file is read as it streams; nothing is stored. From a script: <code>curl --data-binary @alpaca.json -b cookies &apos;…/api/runs/reversed-data?format=alpaca&amp;template=authors&amp;turns=each&apos;</code>.
        </p>
      </Card>
    </>
  );
}
