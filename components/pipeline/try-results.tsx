'use client';

import { HarmfulText } from '@/components/harmful-text';
import { Badge } from '@/components/ui/card';
import { stageNameLabels } from '@/lib/pipeline/stage-names';
import type { TryItemView } from '@/lib/pipeline/try-recipe';
import { formatUsd } from './format';

const stateLabels: Record<string, string> = {
  INSTRUCTION_DROPPED: 'instruction dropped',
  PAIR_KEPT: 'pair kept',
  PAIR_DROPPED: 'pair dropped',
  FAILED: 'failed',
};

/** What "try on 5 items" produced; nothing of it was stored. */
export function TryResults({ items, blurred }: { items: TryItemView[]; blurred: boolean }) {
  return (
    <ol className="space-y-4" data-testid="try-results">
      {items.map((item, index) => (
        <li key={index} className="rounded border border-slate-200 p-3 dark:border-slate-700" data-testid="try-item">
          <div className="mb-2 flex items-center gap-2 text-sm">
            <span className="font-medium">Item {index + 1}</span>
            <Badge>{item.topic}</Badge>
            <Badge tone={item.state === 'PAIR_KEPT' ? 'good' : item.state === 'FAILED' ? 'bad' : 'warn'}>{stateLabels[item.state] ?? item.state.toLowerCase()}</Badge>
          </div>
          <HarmfulText text={item.text} blurred={blurred} label="source text" />
          <ul className="mt-2 space-y-2 text-sm">
            {item.stages.map((stage) => (
              <li key={stage.stage}>
                <span className="font-medium">{stageNameLabels[stage.stage]}</span>
                {stage.verdict && <span className="ml-2"><Badge tone={stage.verdict === 'PASS' ? 'good' : 'warn'}>{stage.verdict.toLowerCase()}</Badge></span>}
                {stage.reason && <span className="ml-2 text-slate-600 dark:text-slate-400">{stage.reason}</span>}
                {stage.error && <span className="ml-2 text-rose-600 dark:text-rose-400">{stage.error}</span>}
                <span className="ml-2 text-xs text-slate-500">
                  {stage.model ?? 'no call'} · {stage.tokensIn + stage.tokensOut} tokens · {formatUsd(stage.costUsd)}
                  {stage.cacheHit ? ' · cache' : ''}
                </span>
                {stage.output !== null && <HarmfulText text={stage.output} blurred={blurred} label="output" className="mt-1" />}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
