import type { FunnelStep } from '@/lib/pipeline/progress';
import { formatCount } from './format';

/** Items that got at least as far as each step, as bars relative to the first step. */
export function Funnel({ steps }: { steps: FunnelStep[] }) {
  const total = steps[0]?.count ?? 0;
  return (
    <ol className="space-y-2" aria-label="Funnel" data-testid="funnel">
      {steps.map((step) => {
        const percent = total > 0 ? (step.count / total) * 100 : 0;
        return (
          <li key={step.key} data-testid={`funnel-${step.key}`}>
            <div className="flex justify-between text-sm">
              <span>{step.label}</span>
              <span className="tabular-nums">
                <span data-testid={`funnel-${step.key}-count`}>{formatCount(step.count)}</span>
                <span className="ml-2 text-xs text-slate-500">{total > 0 ? `${percent.toFixed(0)}%` : ''}</span>
              </span>
            </div>
            <div className="mt-1 h-3 w-full overflow-hidden rounded bg-slate-100 dark:bg-slate-800">
              <div className="h-full rounded bg-indigo-500 dark:bg-indigo-400" style={{ width: `${percent}%` }} />
            </div>
          </li>
        );
      })}
    </ol>
  );
}
