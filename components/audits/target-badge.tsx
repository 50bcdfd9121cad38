import { Badge } from '@/components/ui/card';
import type { TargetResult } from '@/lib/audit/summary';
import { formatPercent } from '@/components/audits/format';

export function TargetBadge({ target }: { target: TargetResult | null }) {
  if (!target) return <span className="text-xs text-slate-500">no target</span>;
  const title = `${target.description}${target.value === null ? '' : ` (now ${formatPercent(target.value)})`}${target.problem ? ` — ${target.problem}` : ''}`;
  return (
    <Badge tone={target.met ? 'good' : target.value === null ? 'warn' : 'bad'} title={title}>
      {target.met ? 'target met' : target.value === null ? 'not evaluable yet' : 'target not met'}
    </Badge>
  );
}
