import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EvalControls } from '@/components/evaluations/eval-controls';
import { RateChart } from '@/components/evaluations/rate-chart';
import { SpotCheckForm } from '@/components/evaluations/spot-check-form';
import { ContentNote, HarmfulText } from '@/components/harmful-text';
import { buttonClasses } from '@/components/ui/button';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { Select } from '@/components/ui/field';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { rubricLabels } from '@/lib/eval/config';
import { listPromptRecords, listRunGroups } from '@/lib/eval/responses';
import { loadEvalResults, loadEvalRunOverview } from '@/lib/eval/results';
import { formatPercent } from '@/lib/eval/statistics';

export const metadata: Metadata = { title: 'Evaluation' };
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 20;

type Search = { group?: string; verdict?: string; page?: string; prompt?: string };

export default async function EvaluationPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Search> }) {
  const user = await requirePageUser('evals:read');
  const [{ id }, search] = await Promise.all([params, searchParams]);
  if (!(await loadEvalRunOverview(id))) notFound();
  const { overview, summary } = await loadEvalResults(id);
  const label = (key: string) => summary.subjects.find((subject) => subject.key === key)?.label ?? key;
  const judgeLabel = (key: string) => summary.judges.find((judge) => judge.key === key)?.label ?? key;
  const verdict = search.verdict === 'HARMFUL' || search.verdict === 'HARMLESS' ? search.verdict : null;
  const page = Math.max(0, Number(search.page ?? 0) || 0);
  const [groups, listing] = await Promise.all([
    listRunGroups(id),
    listPromptRecords(id, overview.config, { group: search.group || null, verdict, promptId: search.prompt ?? null, offset: page * PAGE_SIZE, limit: PAGE_SIZE }),
  ]);
  const harmJudges = summary.judges.filter((judge) => judge.rubric === 'harmlessness');
  const queryFor = (patch: Partial<Search>) => {
    const next = new URLSearchParams(Object.entries({ ...search, ...patch }).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
    return `/evaluations/${id}?${next.toString()}`;
  };

  return (
    <>
      <PageHeader
        title={overview.name}
        description={`Set ${overview.setName} · ${summary.subjects.length} model(s) · ${summary.judges.map((judge) => `${judge.label} (${judge.rubric})`).join(', ')}`}
        actions={
          <Link href={`/evaluations/sets/${overview.setId}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
            The prompt set
          </Link>
        }
      />
      {overview.simulated && (
        <p role="note" className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          <Badge tone="warn">SIMULATED</Badge> Some targets or judges of this evaluation are the built-in simulator, not real models: these numbers say nothing about real models.
        </p>
      )}
      <Card className="mb-4">
        <EvalControls
          evalRunId={id}
          status={overview.status}
          done={overview.itemsDone}
          failed={overview.itemsFailed}
          total={overview.itemsTotal}
          pauseReason={overview.pauseReason}
          canWrite={can(user.role, 'evals:write')}
        />
      </Card>

      {(summary.comparisons.length > 0 || summary.pairwise.length > 0) && (
        <Card title="Comparison" className="mb-4">
          <ul className="space-y-2 text-sm">
            {summary.comparisons.map((comparison) => (
              <li key={`${comparison.judge}-${comparison.a}-${comparison.b}`} data-testid="eval-comparison">
                <strong>{comparison.sentence}</strong>{' '}
                <span className="text-xs text-slate-500">
                  ({judgeLabel(comparison.judge)}; discordant prompts: {comparison.onlyAHarmless} only {label(comparison.a)} harmless, {comparison.onlyBHarmless} only {label(comparison.b)} harmless, of {comparison.paired} paired)
                </span>
              </li>
            ))}
            {summary.pairwise.map((comparison) => (
              <li key={`${comparison.judge}-${comparison.a}-${comparison.b}`} data-testid="eval-pairwise">
                {comparison.sentence} <span className="text-xs text-slate-500">({judgeLabel(comparison.judge)})</span>
              </li>
            ))}
          </ul>
        </Card>
      )}

      {summary.harmlessness.map((block) => {
        const groupNames = [...new Set(block.subjects.flatMap((subject) => subject.byGroup.map((group) => group.group)))];
        return (
          <Card key={block.judge} title={`Harmlessness · ${judgeLabel(block.judge)}`} className="mb-4">
            <RateChart
              caption="Share of responses judged HARMLESS; whiskers are Wilson 95% intervals."
              bars={block.subjects.map((subject) => ({
                label: label(subject.subject),
                estimate: subject.rate.estimate,
                lower: subject.rate.lower,
                upper: subject.rate.upper,
                detail: `${formatPercent(subject.rate.estimate)} (${subject.harmless}/${subject.judged})`,
              }))}
            />
            {groupNames.length > 1 && (
              <div className="mt-4 grid gap-4 md:grid-cols-2">
                {groupNames.map((group) => (
                  <div key={group}>
                    <h3 className="mb-1 text-xs font-semibold">{group}</h3>
                    <RateChart
                      caption={`Group ${group}`}
                      bars={block.subjects.flatMap((subject) => {
                        const cell = subject.byGroup.find((candidate) => candidate.group === group);
                        return cell ? [{ label: label(subject.subject), estimate: cell.rate.estimate, lower: cell.rate.lower, upper: cell.rate.upper, detail: `${formatPercent(cell.rate.estimate)} (${cell.harmless}/${cell.judged})` }] : [];
                      })}
                    />
                  </div>
                ))}
              </div>
            )}
          </Card>
        );
      })}

      {summary.helpfulness.map((block) => (
        <Card key={block.judge} title={`Helpfulness · ${judgeLabel(block.judge)}`} className="mb-4">
          <table className="text-sm">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="pr-6">Model</th>
                <th className="pr-6">Mean (1–10)</th>
                <th className="pr-6">95% CI (seeded bootstrap)</th>
                <th>n</th>
              </tr>
            </thead>
            <tbody>
              {block.subjects.map((subject) => (
                <tr key={subject.subject}>
                  <td className="pr-6">{label(subject.subject)}</td>
                  <td className="pr-6 tabular-nums">{subject.estimate === null ? '—' : subject.estimate.toFixed(2)}</td>
                  <td className="pr-6 tabular-nums">{subject.lower === null || subject.upper === null ? '—' : `${subject.lower.toFixed(2)} – ${subject.upper.toFixed(2)}`}</td>
                  <td className="tabular-nums">{subject.n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ))}

      <div className="mb-4 grid gap-4 md:grid-cols-2">
        {summary.agreement.length > 0 && (
          <Card title="Agreement between judges (harmlessness)">
            <ul className="text-sm">
              {summary.agreement.map((agreement) => (
                <li key={agreement.subject}>
                  {label(agreement.subject)}: {agreement.method === 'cohen' ? "Cohen's" : "Fleiss'"} κ = {agreement.kappa === null ? '—' : agreement.kappa.toFixed(3)} over {agreement.items} prompts (observed agreement {formatPercent(agreement.observedAgreement)})
                </li>
              ))}
            </ul>
          </Card>
        )}
        <Card title="Cost and tokens">
          <table className="text-sm">
            <tbody>
              {summary.costs.generation.map((cost) => (
                <tr key={cost.subject}>
                  <td className="pr-6">Generation · {label(cost.subject)}</td>
                  <td className="pr-6 tabular-nums">{(cost.tokensIn + cost.tokensOut).toLocaleString('en-US')} tokens</td>
                  <td className="tabular-nums">${cost.costUsd.toFixed(4)}</td>
                </tr>
              ))}
              <tr>
                <td className="pr-6">Judging</td>
                <td className="pr-6 tabular-nums">{(summary.costs.judging.tokensIn + summary.costs.judging.tokensOut).toLocaleString('en-US')} tokens</td>
                <td className="tabular-nums">${summary.costs.judging.costUsd.toFixed(4)}</td>
              </tr>
            </tbody>
          </table>
        </Card>
      </div>

      <Card title="Downloads and spot-check" className="mb-4">
        <div className="mb-3 flex flex-wrap gap-2">
          <a className={buttonClasses('secondary')} href={`/api/evaluations/${id}/download?format=md`} download>
            Report (markdown)
          </a>
          <a className={buttonClasses('secondary')} href={`/api/evaluations/${id}/download?format=json`} download>
            Report (JSON)
          </a>
          <a className={buttonClasses('secondary')} href={`/api/evaluations/${id}/download?format=csv`} download>
            Responses (CSV)
          </a>
          <a className={buttonClasses('secondary')} href={`/api/evaluations/${id}/download?format=jsonl`} download>
            Responses (JSONL)
          </a>
        </div>
        {harmJudges.length > 0 && can(user.role, 'audits:write') && (
          <>
            <p className="mb-2 text-sm text-slate-600 dark:text-slate-400">
              Check the judge against people: a seeded, blind sample of its verdicts becomes an audit (judge-vs-human κ, the judge&apos;s precision with Wilson intervals).
            </p>
            <SpotCheckForm evalRunId={id} judges={harmJudges.map((judge) => ({ key: judge.key, label: judge.label }))} />
          </>
        )}
      </Card>

      <Card title="Responses">
        <ContentNote />
        <form className="mb-3 flex flex-wrap items-end gap-3 text-sm" action={`/evaluations/${id}`}>
          <label className="space-y-1">
            <span className="block text-xs text-slate-500">Group</span>
            <Select name="group" defaultValue={search.group ?? ''}>
              <option value="">all groups</option>
              {groups.map((group) => (
                <option key={group} value={group}>
                  {group}
                </option>
              ))}
            </Select>
          </label>
          <label className="space-y-1">
            <span className="block text-xs text-slate-500">Verdict (any model)</span>
            <Select name="verdict" defaultValue={verdict ?? ''}>
              <option value="">any</option>
              <option value="HARMFUL">some response HARMFUL</option>
              <option value="HARMLESS">some response HARMLESS</option>
            </Select>
          </label>
          <button type="submit" className={buttonClasses('secondary')}>
            Filter
          </button>
          {search.prompt && (
            <Link href={queryFor({ prompt: '' })} className="text-indigo-600 hover:underline">
              Back to all prompts
            </Link>
          )}
          <span className="text-xs text-slate-500">{listing.total} prompts match</span>
        </form>
        <ol className="space-y-4">
          {listing.records.map((record) => (
            <li key={record.promptId} data-testid="eval-prompt" className="border-t border-slate-100 pt-3 dark:border-slate-800">
              <div className="mb-1 flex items-center gap-2 text-xs text-slate-500">
                #{record.position + 1} {record.group && <Badge>{record.group}</Badge>}
                {!search.prompt && (
                  <Link href={queryFor({ prompt: record.promptId })} className="text-indigo-600 hover:underline">
                    side by side
                  </Link>
                )}
              </div>
              <HarmfulText text={record.prompt} label="prompt" blurred={user.blurHarmful} />
              <div className={`mt-2 grid gap-3 ${search.prompt ? 'md:grid-cols-2 xl:grid-cols-3' : 'md:grid-cols-2'}`}>
                {record.subjects.map((subject) => (
                  <div key={subject.subject} className="rounded border border-slate-200 p-2 dark:border-slate-800">
                    <div className="mb-1 flex flex-wrap items-center gap-1 text-xs font-medium">
                      {label(subject.subject)}
                      {subject.decisions.map((decision) => (
                        <span key={decision.judge} title={`${judgeLabel(decision.judge)}: ${decision.reason ?? decision.error ?? ''}`}>
                          {decision.verdict && <Badge tone={decision.verdict === 'HARMLESS' ? 'good' : 'bad'}>{decision.verdict}</Badge>}
                          {decision.score !== null && <Badge tone="info">{decision.score}/10</Badge>}
                          {decision.error && <Badge tone="warn">judge failed</Badge>}
                        </span>
                      ))}
                    </div>
                    {subject.generationError ? (
                      <p className="text-xs text-rose-600">{subject.generationError}</p>
                    ) : (
                      <HarmfulText text={subject.response} label="response" blurred={user.blurHarmful} />
                    )}
                    {search.prompt &&
                      subject.decisions.map((decision) => (
                        <p key={decision.judge} className="mt-1 text-xs text-slate-500">
                          {judgeLabel(decision.judge)}: {decision.reason ?? decision.error}
                        </p>
                      ))}
                  </div>
                ))}
              </div>
              {search.prompt && record.pairwise.length > 0 && (
                <ul className="mt-2 text-xs text-slate-600 dark:text-slate-400">
                  {record.pairwise.map((decision) => (
                    <li key={`${decision.judge}-${decision.a}-${decision.b}-${decision.order}`}>
                      {judgeLabel(decision.judge)}, {decision.order === 'ab' ? `A = ${label(decision.a)}, B = ${label(decision.b)}` : `A = ${label(decision.b)}, B = ${label(decision.a)}`}: {decision.preference} — {decision.reason}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
        {listing.total > PAGE_SIZE && !search.prompt && (
          <div className="mt-3 flex gap-3 text-sm">
            {page > 0 && <Link href={queryFor({ page: String(page - 1) })}>← previous</Link>}
            {(page + 1) * PAGE_SIZE < listing.total && <Link href={queryFor({ page: String(page + 1) })}>next →</Link>}
          </div>
        )}
      </Card>
      <p className="mt-4 text-xs text-slate-500">
        Judges: {summary.judges.map((judge) => `${judge.label} — ${rubricLabels[judge.rubric]}, ${judge.model ?? judge.endpointName}`).join('; ')}. Seed {overview.seed}.
      </p>
    </>
  );
}
