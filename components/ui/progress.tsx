export function ProgressBar({ value, max, label }: { value: number; max: number | null; label: string }) {
  const percent = max && max > 0 ? Math.min(100, Math.round((value / max) * 100)) : null;
  return (
    <div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max ?? undefined}
        aria-valuenow={value}
        className="h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
      >
        <div className={`h-full bg-indigo-500 transition-all ${percent === null ? 'w-1/3 animate-pulse' : ''}`} style={percent === null ? undefined : { width: `${percent}%` }} />
      </div>
    </div>
  );
}

export function SimulatedBadge() {
  return (
    <span title="Produced by the built-in simulator, not a real model" className="inline-flex items-center rounded bg-fuchsia-100 px-1.5 py-0.5 text-xs font-semibold text-fuchsia-800 dark:bg-fuchsia-900/50 dark:text-fuchsia-300">
      SIMULATED
    </span>
  );
}
