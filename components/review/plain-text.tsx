/** Data as text: React escapes it, whitespace and line breaks stay as they were. */
export function PlainText({ text, clippedFrom, className = '' }: { text: string | null; clippedFrom?: number; className?: string }) {
  if (text === null) return <span className="text-xs italic text-slate-500">missing</span>;
  const clipped = clippedFrom !== undefined && clippedFrom > text.length;
  return (
    <div data-testid="plain-text" className={`whitespace-pre-wrap break-words text-[13px] leading-5 ${className}`}>
      {text}
      {clipped && <span className="text-slate-400"> … ({clippedFrom.toLocaleString('en')} characters)</span>}
    </div>
  );
}
