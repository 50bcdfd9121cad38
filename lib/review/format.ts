// Client-safe formatting for the review views: every value ends up as plain text.

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en');
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatPercent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;
}

export function formatTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/** A before/after value of the history as text: strings verbatim, lists joined, nothing as an em dash. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length ? value.map((item) => formatValue(item)).join(', ') : '(none)';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) return formatValue(entries[0][1]);
    return JSON.stringify(value, null, 2);
  }
  return String(value);
}

export const historyActionLabels: Record<string, string> = {
  'pair.edit_instruction': 'edited the instruction',
  'pair.edit_chosen': 'edited the chosen response',
  'pair.override_instruction_verdict': 'overrode the instruction verdict',
  'pair.override_response_verdict': 'overrode the pair verdict',
  'pair.set_decision': 'set the decision',
  'pair.set_tags': 'changed the tags',
  'pair.comment': 'commented',
};

export function describeAction(action: string): string {
  return historyActionLabels[action] ?? action;
}
