import { Badge } from '@/components/ui/card';

type Tone = 'neutral' | 'good' | 'bad' | 'warn' | 'info';

const tones: Record<string, Tone> = {
  QUEUED: 'neutral',
  RUNNING: 'info',
  PAUSED: 'warn',
  COMPLETED: 'good',
  CANCELLED: 'neutral',
  FAILED: 'bad',
};

export function RunStatusBadge({ status }: { status: string }) {
  return (
    <span data-testid="run-status">
      <Badge tone={tones[status] ?? 'neutral'}>{status.toLowerCase()}</Badge>
    </span>
  );
}
