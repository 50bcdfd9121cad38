// Display helpers shared by the pipeline components (client-safe).
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatRate(value: number, unit: string): string {
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${unit}`;
}
