import type { EstimateBlock } from '@/lib/audit/summary';

export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`;
}

export function formatInterval(block: EstimateBlock | null): string {
  if (!block || block.estimate === null) return '—';
  return `${formatPercent(block.estimate)} [${formatPercent(block.lower)} – ${formatPercent(block.upper)}]`;
}

export function formatKappa(value: number | null): string {
  return value === null ? '—' : value.toFixed(3);
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
