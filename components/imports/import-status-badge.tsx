import { Badge } from '@/components/ui/card';
import type { ImportStatusName } from '@/lib/importers/jobs/queries';

const statusLook: Record<ImportStatusName, { tone: 'neutral' | 'good' | 'bad' | 'warn' | 'info'; label: string }> = {
  PENDING: { tone: 'neutral', label: 'awaiting mapping' },
  RUNNING: { tone: 'info', label: 'running' },
  COMPLETED: { tone: 'good', label: 'completed' },
  FAILED: { tone: 'bad', label: 'failed' },
  CANCELLED: { tone: 'warn', label: 'cancelled' },
};

export function ImportStatusBadge({ status, resumable = false }: { status: ImportStatusName; resumable?: boolean }) {
  const look = statusLook[status];
  return (
    <span data-testid="import-status" data-status={status}>
      <Badge tone={look.tone}>{resumable ? 'interrupted' : look.label}</Badge>
    </span>
  );
}
