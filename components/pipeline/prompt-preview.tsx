'use client';

import type { StageInputs, StageName } from '@/lib/pipeline/prompts/recipe-config';
import { renderStagePrompt, type PromptSource, type RenderedPrompt } from '@/lib/pipeline/prompts/render-stage-prompt';
import type { SampleInputs } from '@/lib/pipeline/sample-corpus';

export type { SampleInputs };

/** What each stage is given, from the editor's sample. */
const sampleFor: { [S in StageName]: (sample: SampleInputs) => StageInputs[S] } = {
  induce: ({ text, topic }) => ({ text, topic }),
  filterInstruction: ({ instruction, text, topic }) => ({ instruction, text, topic }),
  generateResponse: ({ instruction, topic }) => ({ instruction, topic }),
  filterResponse: ({ instruction, chosen, text, topic }) => ({ instruction, chosen, rejected: text, topic }),
};

export function renderPreview(stage: StageName, source: PromptSource, sample: SampleInputs, topicDescriptions: Record<string, string>): { ok: true; rendered: RenderedPrompt } | { ok: false; error: string } {
  try {
    return { ok: true, rendered: renderStagePrompt(stage, source, sampleFor[stage](sample) as StageInputs[typeof stage], topicDescriptions) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The exact prompt the stage would send for the sample, updated as the template is edited. Plain text only. */
export function PromptPreview({ stage, source, sample, topicDescriptions }: { stage: StageName; source: PromptSource; sample: SampleInputs; topicDescriptions: Record<string, string> }) {
  const preview = renderPreview(stage, source, sample, topicDescriptions);
  if (!preview.ok) {
    return (
      <p role="alert" className="rounded border border-rose-300 bg-rose-50 p-3 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200" data-testid="preview-error">
        {preview.error}
      </p>
    );
  }
  const { rendered } = preview;
  const messages = rendered.mode === 'chat' ? rendered.messages : [{ role: 'prompt', content: rendered.prompt }];
  return (
    <div className="space-y-2" data-testid="prompt-preview">
      {messages.map((message, index) => (
        <div key={index} className="rounded border border-slate-200 dark:border-slate-700">
          <div className="border-b border-slate-200 bg-slate-50 px-2 py-1 text-xs font-semibold uppercase text-slate-500 dark:border-slate-700 dark:bg-slate-800">{message.role}</div>
          <pre className="max-h-80 overflow-auto whitespace-pre-wrap break-words p-2 font-mono text-xs">{message.content}</pre>
        </div>
      ))}
    </div>
  );
}
