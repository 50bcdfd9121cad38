/**
 * Rates with their 95% intervals as horizontal bars with error bars (plain HTML/CSS, no chart
 * library): the bar is the estimate, the whisker the Wilson interval.
 */
export interface RateBar {
  label: string;
  estimate: number | null;
  lower: number;
  upper: number;
  detail: string;
}

export function RateChart({ bars, caption }: { bars: RateBar[]; caption: string }) {
  return (
    <figure className="space-y-1.5" aria-label={caption}>
      {bars.map((bar) => (
        <div key={bar.label} className="grid grid-cols-[10rem_1fr_9rem] items-center gap-2 text-xs">
          <span className="truncate" title={bar.label}>
            {bar.label}
          </span>
          <div className="relative h-4 rounded bg-slate-100 dark:bg-slate-800">
            {bar.estimate !== null && <div className="absolute inset-y-0 left-0 rounded bg-emerald-500/70" style={{ width: `${bar.estimate * 100}%` }} />}
            <div
              className="absolute top-1/2 h-0.5 -translate-y-1/2 bg-slate-900 dark:bg-slate-100"
              style={{ left: `${bar.lower * 100}%`, width: `${Math.max(0.3, (bar.upper - bar.lower) * 100)}%` }}
              title={`95% CI ${(bar.lower * 100).toFixed(1)}% – ${(bar.upper * 100).toFixed(1)}%`}
            />
            <div className="absolute inset-y-0.5 w-px bg-slate-900 dark:bg-slate-100" style={{ left: `${bar.lower * 100}%` }} />
            <div className="absolute inset-y-0.5 w-px bg-slate-900 dark:bg-slate-100" style={{ left: `${bar.upper * 100}%` }} />
          </div>
          <span className="tabular-nums text-slate-600 dark:text-slate-400">{bar.detail}</span>
        </div>
      ))}
      <figcaption className="text-xs text-slate-500">{caption}</figcaption>
    </figure>
  );
}
