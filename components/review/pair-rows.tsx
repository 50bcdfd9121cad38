'use client';

import { forwardRef } from 'react';
import { HarmfulText } from '@/components/harmful-text';
import { Badge } from '@/components/ui/card';
import { SimulatedBadge } from '@/components/ui/progress';
import type { PairListRow } from '@/lib/review/types';
import { AuditBadge, DecisionBadges, VerdictBadge } from './badges';
import { PlainText } from './plain-text';

export type RowProps = {
  row: PairListRow;
  focused: boolean;
  selected: boolean;
  selectable: boolean;
  blurHarmful: boolean;
  onOpen: () => void;
  onToggleSelect: () => void;
};

function SelectBox({ row, selected, onToggleSelect }: Pick<RowProps, 'row' | 'selected' | 'onToggleSelect'>) {
  return (
    <input
      type="checkbox"
      aria-label={`Select pair ${row.id}`}
      checked={selected}
      onChange={onToggleSelect}
      onClick={(event) => event.stopPropagation()}
      className="mt-0.5"
    />
  );
}

function sourceName(row: PairListRow): string {
  return row.runName ? `run ${row.runName}` : row.datasetName ? `dataset ${row.datasetName}` : row.origin.toLowerCase();
}

const rowClasses = (focused: boolean, selected: boolean) =>
  `cursor-pointer border-l-4 ${focused ? 'border-l-indigo-500 bg-indigo-50/60 dark:bg-indigo-950/40' : 'border-l-transparent'} ${selected ? 'bg-amber-50/70 dark:bg-amber-950/30' : ''}`;

/** Pairs view: instruction, chosen and rejected side by side with every verdict. */
export const PairCard = forwardRef<HTMLLIElement, RowProps>(function PairCard({ row, focused, selected, selectable, blurHarmful, onOpen, onToggleSelect }, ref) {
  return (
    <li
      ref={ref}
      data-testid="pair-row"
      data-pair-id={row.id}
      aria-current={focused ? 'true' : undefined}
      onClick={onOpen}
      className={`rounded-md border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900 ${rowClasses(focused, selected)}`}
    >
      <div className="mb-2 flex flex-wrap items-center gap-2 text-xs">
        {selectable && <SelectBox row={row} selected={selected} onToggleSelect={onToggleSelect} />}
        <span className="font-mono text-slate-500">#{row.id}</span>
        {row.topic && <Badge tone="info">{row.topic}</Badge>}
        <span className="text-slate-500">{sourceName(row)}</span>
        {row.simulated && <SimulatedBadge />}
        <VerdictBadge label="instruction" verdict={row.instructionVerdict} reason={row.instructionReason} />
        <VerdictBadge label="pair" verdict={row.responseVerdict} reason={row.responseReason} />
        <DecisionBadges status={row.status} humanStatus={row.humanStatus} />
        <AuditBadge outcome={row.auditOutcome} />
        {row.humanEdited && <Badge tone="warn">edited</Badge>}
        {row.tags.map((tag) => (
          <Badge key={tag}>#{tag}</Badge>
        ))}
      </div>
      <div className="grid gap-3 md:grid-cols-3">
        <div>
          <div className="mb-1 text-[11px] font-semibold uppercase text-slate-500">Instruction</div>
          <PlainText text={row.instruction.text} clippedFrom={row.instruction.length} className="max-h-40 overflow-hidden" />
          {row.instructionReason && <p className="mt-1 text-xs text-slate-500">Judge: {row.instructionReason}</p>}
        </div>
        <div>
          <div className="mb-1 text-[11px] font-semibold uppercase text-slate-500">Chosen</div>
          <PlainText text={row.chosen?.text ?? null} clippedFrom={row.chosen?.length} className="max-h-40 overflow-hidden" />
          {row.responseReason && <p className="mt-1 text-xs text-slate-500">Judge: {row.responseReason}</p>}
        </div>
        <div>
          <div className="mb-1 text-[11px] font-semibold uppercase text-slate-500">Rejected</div>
          <div className="max-h-40 overflow-hidden">
            <HarmfulText key={`${row.id}-rejected`} text={row.rejected?.text ?? null} blurred={blurHarmful} label="rejected text" />
          </div>
        </div>
      </div>
    </li>
  );
});

/** Instructions view: one line per induced instruction with its verdict and the judge's reason. */
export const InstructionRow = forwardRef<HTMLTableRowElement, RowProps>(function InstructionRow({ row, focused, selected, selectable, onOpen, onToggleSelect }, ref) {
  return (
    <tr ref={ref} data-testid="pair-row" data-pair-id={row.id} aria-current={focused ? 'true' : undefined} onClick={onOpen} className={`border-t border-slate-100 align-top dark:border-slate-800 ${rowClasses(focused, selected)}`}>
      <td className="px-2 py-2">{selectable && <SelectBox row={row} selected={selected} onToggleSelect={onToggleSelect} />}</td>
      <td className="px-2 py-2 font-mono text-xs text-slate-500">#{row.id}</td>
      <td className="px-2 py-2 text-xs">{row.topic ?? '—'}</td>
      <td className="px-2 py-2 text-xs text-slate-500">
        {sourceName(row)} {row.simulated && <SimulatedBadge />}
      </td>
      <td className="max-w-xl px-2 py-2">
        <PlainText text={row.instruction.text} clippedFrom={row.instruction.length} className="max-h-24 overflow-hidden" />
      </td>
      <td className="px-2 py-2">
        <VerdictBadge label="instruction" verdict={row.instructionVerdict} />
      </td>
      <td className="max-w-xs px-2 py-2 text-xs text-slate-600 dark:text-slate-400">
        <PlainText text={row.instructionReason ?? '—'} className="max-h-24 overflow-hidden" />
      </td>
      <td className="space-x-1 px-2 py-2 whitespace-nowrap">
        <DecisionBadges status={row.status} humanStatus={row.humanStatus} />
        <AuditBadge outcome={row.auditOutcome} />
        {row.humanEdited && <Badge tone="warn">edited</Badge>}
      </td>
    </tr>
  );
});
