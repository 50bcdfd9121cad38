import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { DeleteSetButton } from '@/components/evaluations/delete-set-button';
import { ContentNote, HarmfulText } from '@/components/harmful-text';
import { buttonClasses } from '@/components/ui/button';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { db } from '@/lib/db/client';
import { loadEvalSet } from '@/lib/eval/queries';

export const metadata: Metadata = { title: 'Prompt set' };
export const dynamic = 'force-dynamic';

export default async function EvalSetPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser('evals:read');
  const { id } = await params;
  const set = await loadEvalSet(id);
  if (!set) notFound();
  const runs = await db().evalRun.count({ where: { setId: id } });
  const canWrite = can(user.role, 'evals:write');
  return (
    <>
      <PageHeader
        title={set.name}
        description={set.description ?? undefined}
        actions={
          canWrite ? (
            <>
              <Link href={`/evaluations/new?set=${set.id}`} className={buttonClasses('primary')}>
                Evaluate on this set
              </Link>
              <DeleteSetButton setId={set.id} runs={runs} />
            </>
          ) : undefined
        }
      />
      <ContentNote />
      <Card title="About this set" className="mb-4">
        <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
          <div>
            <dt className="text-xs text-slate-500">Prompts</dt>
            <dd data-testid="set-prompt-count">{set.promptCount}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Imported responses</dt>
            <dd>{set.responseLabels.length > 0 ? set.responseLabels.join(', ') : 'none'}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">Groups</dt>
            <dd>{set.groups.map((group) => `${group.group ?? '(none)'} (${group.count})`).join(', ')}</dd>
          </div>
          <div>
            <dt className="text-xs text-slate-500">File</dt>
            <dd>
              {set.fileName ?? '—'} {set.builtIn && <Badge tone="info">demo</Badge>}
            </dd>
          </div>
        </dl>
      </Card>
      {set.errorCount > 0 && (
        <Card title={`Row errors (${set.errorCount})`} className="mb-4" actions={<a className="text-sm text-indigo-600 hover:underline" href={`/api/evaluations/sets/${set.id}/errors`}>Download all (CSV)</a>}>
          <ul className="text-sm">
            {set.rowErrors.map((error) => (
              <li key={error.id.toString()}>
                Line {error.line}
                {error.column ? `, column “${error.column}”` : ''}: {error.reason}
              </li>
            ))}
          </ul>
        </Card>
      )}
      <Card title={`First ${set.prompts.length} prompts`}>
        <ol className="space-y-3">
          {set.prompts.map((prompt) => (
            <li key={prompt.id} className="border-b border-slate-100 pb-2 dark:border-slate-800">
              <div className="mb-1 text-xs text-slate-500">
                #{prompt.position + 1} {prompt.groupName && <Badge>{prompt.groupName}</Badge>} {prompt.externalId}
              </div>
              <HarmfulText text={prompt.prompt} label="prompt" blurred={user.blurHarmful} />
              {prompt.responses.map((response) => (
                <div key={response.label} className="mt-2 pl-4">
                  <div className="text-xs text-slate-500">{response.label}</div>
                  <HarmfulText text={response.text} label={`${response.label} response`} blurred={user.blurHarmful} />
                </div>
              ))}
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
