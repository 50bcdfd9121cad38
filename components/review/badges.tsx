import { Badge } from '@/components/ui/card';
import type { AuditOutcomeName, DecisionName, VerdictName } from '@/lib/review/filters';

const verdictTone: Record<VerdictName, 'good' | 'bad' | 'warn'> = { PASS: 'good', FAIL: 'bad', UNPARSEABLE: 'warn' };
const decisionTone: Record<DecisionName, 'good' | 'bad' | 'neutral'> = { KEPT: 'good', DROPPED: 'bad', PENDING: 'neutral' };
const auditTone: Record<AuditOutcomeName, 'neutral' | 'good' | 'bad'> = { NONE: 'neutral', ACCEPTED: 'good', REJECTED: 'bad' };

export function VerdictBadge({ label, verdict, reason }: { label: string; verdict: VerdictName | null; reason?: string | null }) {
  if (!verdict) return <Badge title={`${label}: not judged`}>{label}: —</Badge>;
  return (
    <Badge tone={verdictTone[verdict]} title={reason ?? undefined}>
      {label}: {verdict}
    </Badge>
  );
}

/** `status` null: the pipeline's decision is hidden from this viewer by a blind audit. */
export function DecisionBadges({ status, humanStatus }: { status: DecisionName | null; humanStatus: DecisionName | null }) {
  return (
    <>
      {status === null ? (
        <Badge tone="neutral" title="Hidden while this pair is in a blind audit you can still answer">
          auto: hidden
        </Badge>
      ) : (
        <Badge tone={humanStatus ? 'neutral' : decisionTone[status]} title="The pipeline's decision">
          auto: {status.toLowerCase()}
        </Badge>
      )}
      {humanStatus && (
        <Badge tone={decisionTone[humanStatus]} title="A human's decision; it overrides the pipeline">
          human: {humanStatus.toLowerCase()}
        </Badge>
      )}
    </>
  );
}

export function AuditBadge({ outcome }: { outcome: AuditOutcomeName }) {
  if (outcome === 'NONE') return null;
  return <Badge tone={auditTone[outcome]}>audit: {outcome.toLowerCase()}</Badge>;
}
