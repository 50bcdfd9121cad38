import { HarmfulText } from '@/components/harmful-text';
import { Badge } from '@/components/ui/card';

export type SourceTextRow = { id: string; text: string; topic: string; externalId: string | null; metadata: string | null; line: number | null };
export type PairRow = { id: string; instruction: string; chosen: string | null; rejected: string | null; topic: string | null; externalId: string | null; metadata: string | null };

function Metadata({ json }: { json: string | null }) {
  if (json === null) return null;
  return (
    <details className="mt-2 text-xs">
      <summary className="cursor-pointer text-slate-500">Metadata</summary>
      <pre className="mt-1 overflow-x-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-2 font-mono dark:bg-slate-950">{json}</pre>
    </details>
  );
}

export function SourceTextList({ items, blurred }: { items: SourceTextRow[]; blurred: boolean }) {
  return (
    <ol className="space-y-3" aria-label="Texts">
      {items.map((item) => (
        <li key={item.id} data-testid="source-text" className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
          <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <span className="tabular-nums">#{item.id}</span>
            <Badge>{item.topic}</Badge>
            {item.externalId && <span className="font-mono">id {item.externalId}</span>}
            {item.line !== null && <span>line {item.line}</span>}
          </div>
          <HarmfulText text={item.text} blurred={blurred} />
          <Metadata json={item.metadata} />
        </li>
      ))}
    </ol>
  );
}

function Side({ label, text, blurred }: { label: string; text: string | null; blurred: boolean }) {
  return (
    <div>
      <div className="mb-1 text-xs font-medium uppercase text-slate-500">{label}</div>
      <HarmfulText text={text} blurred={blurred} label={label.toLowerCase()} />
    </div>
  );
}

/** Imported pairs: a missing side is shown as “missing”, never filled in. The chosen side is the safe one. */
export function PairList({ items, blurred }: { items: PairRow[]; blurred: boolean }) {
  return (
    <ol className="space-y-3" aria-label="Pairs">
      {items.map((item) => (
        <li key={item.id} data-testid="pair" className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
          <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <span className="tabular-nums">#{item.id}</span>
            {item.topic && <Badge>{item.topic}</Badge>}
            {item.externalId && <span className="font-mono">id {item.externalId}</span>}
          </div>
          <div className="grid gap-3 lg:grid-cols-3">
            <Side label="Instruction" text={item.instruction} blurred={blurred} />
            <Side label="Chosen" text={item.chosen} blurred={false} />
            <Side label="Rejected" text={item.rejected} blurred={blurred} />
          </div>
          <Metadata json={item.metadata} />
        </li>
      ))}
    </ol>
  );
}
