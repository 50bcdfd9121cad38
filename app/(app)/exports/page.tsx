import type { Metadata } from 'next';

import { ExportForm } from '@/components/exports/export-form';
import { ExportsList } from '@/components/exports/exports-list';
import { PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { listEvalRuns } from '@/lib/eval/queries';
import { listExports } from '@/lib/exporters/jobs';
import { loadExportOptions } from '@/lib/exporters/options';
import { exporters } from '@/lib/exporters/registry';
import { EXPORT_FORMATS } from '@/lib/exporters/types';

export const metadata: Metadata = { title: 'Exports' };
export const dynamic = 'force-dynamic';

export default async function Page() {
  const user = await requirePageUser('exports:read');
  const [options, exports, evalRuns] = await Promise.all([loadExportOptions(), listExports(), can(user.role, 'evals:read') ? listEvalRuns() : Promise.resolve([])]);
  // A card can carry the results of a finished evaluation ("models trained on this data…").
  const evaluations = evalRuns.filter((run) => run.status === 'COMPLETED').map((run) => ({ id: run.id, label: `${run.name} · ${run.setName}${run.simulated ? ' (simulated)' : ''}` }));
  const formats = EXPORT_FORMATS.map((id) => ({ id, label: exporters[id].label, extension: exporters[id].extension }));
  return (
    <>
      <PageHeader
        title="Exports"
        description="Training-ready preference data (TRL, OpenAI, HH-RLHF, Alpaca, reversed tuning, CSV, Parquet) with a Hugging Face dataset card and a manifest of how it was made. Every export is recorded in the audit log."
      />
      <div className="space-y-6">
        {can(user.role, 'exports:write') ? (
          <ExportForm options={options} formats={formats} evaluations={evaluations} />
        ) : (
          <p className="text-sm text-slate-600 dark:text-slate-400">Your role can download existing exports; creating one needs a researcher.</p>
        )}
        <ExportsList initial={exports} />
      </div>
    </>
  );
}
