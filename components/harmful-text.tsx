'use client';

import { useState } from 'react';

/**
 * Shows possibly harmful text as plain text (React escapes it; never HTML or markdown) with
 * whitespace preserved, blurred until the reader reveals it.
 */
export function HarmfulText({ text, blurred = true, label = 'text', className = '' }: { text: string | null; blurred?: boolean; label?: string; className?: string }) {
  const [revealed, setRevealed] = useState(!blurred);
  if (text === null) {
    return <span className="text-xs italic text-slate-500">missing</span>;
  }
  return (
    <div className={`relative ${className}`}>
      <div
        data-testid="harmful-text"
        data-revealed={revealed ? 'true' : 'false'}
        aria-hidden={!revealed}
        className={`whitespace-pre-wrap break-words font-mono text-[13px] leading-5 ${revealed ? '' : 'harmful-blur'}`}
      >
        {text}
      </div>
      {!revealed && (
        <button
          type="button"
          onClick={() => setRevealed(true)}
          className="absolute inset-0 flex items-center justify-center rounded bg-slate-100/40 text-xs font-medium text-slate-800 dark:bg-slate-900/40 dark:text-slate-100"
        >
          Reveal {label}
        </button>
      )}
      {revealed && blurred && (
        <button type="button" onClick={() => setRevealed(false)} className="mt-1 text-xs text-slate-500 hover:underline">
          Hide
        </button>
      )}
    </div>
  );
}

export function ContentNote() {
  return (
    <p role="note" className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
      Content note: this page shows offensive and harmful text (hate, self-harm, illegal activity, sexual content) by design. It is blurred until you reveal it.
    </p>
  );
}
