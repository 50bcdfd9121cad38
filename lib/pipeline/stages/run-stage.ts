/**
 * Runs one stage for one item: render the prompt, call the stage's model (plain text for
 * generations, a JSON verdict for judges), clean and decide. Problems that belong to the item
 * (model errors after retries, unparseable verdicts, template errors, a missing endpoint) come back
 * as a failed outcome to store; cancellation and infrastructure failures are thrown.
 */
import { callLlm } from '@/lib/llm/call';
import { LlmError } from '@/lib/llm/errors';
import { callLlmJson } from '@/lib/llm/json';
import type { ChatMessage, LlmRequest, LlmResult } from '@/lib/llm/types';
import { judgeReplySchema } from '@/lib/pipeline/prompts/judge-verdict';
import type { StageConfig, StageName } from '@/lib/pipeline/prompts/recipe-config';
import { renderStagePrompt, type RenderedPrompt } from '@/lib/pipeline/prompts/render-stage-prompt';
import { TemplateError } from '@/lib/pipeline/template';
import { formatCause } from '@/lib/pipeline/item-state';
import { filterInstructionStage } from '@/lib/pipeline/stages/filter-instruction';
import { filterResponseStage } from '@/lib/pipeline/stages/filter-response';
import { generateResponseStage } from '@/lib/pipeline/stages/generate-response';
import { induceStage } from '@/lib/pipeline/stages/induce';
import { EndpointUnavailableError, type ItemFacts, type StageContext, type StageImpl, type StageKind, type StageOutcome } from '@/lib/pipeline/stages/types';

export const stageTable: { [S in StageName]: StageImpl<S> } = {
  induce: induceStage,
  filterInstruction: filterInstructionStage,
  generateResponse: generateResponseStage,
  filterResponse: filterResponseStage,
};

/** A rendered prompt as one readable text: the completion prompt, or the messages with role markers. */
export function promptText(rendered: RenderedPrompt): string {
  if (rendered.mode === 'completion') return rendered.prompt;
  return rendered.messages.map((message: ChatMessage) => `<|${message.role}|>\n${message.content}`).join('\n');
}

type CallFigures = Pick<StageOutcome, 'tokensIn' | 'tokensOut' | 'costUsd' | 'latencyMs' | 'cacheHit'>;

function figuresOf(calls: readonly LlmResult[]): CallFigures {
  return {
    tokensIn: calls.reduce((sum, call) => sum + call.tokensIn, 0),
    tokensOut: calls.reduce((sum, call) => sum + call.tokensOut, 0),
    costUsd: calls.reduce((sum, call) => sum + call.costUsd, 0),
    latencyMs: Math.round(calls.reduce((sum, call) => sum + call.latencyMs, 0)),
    cacheHit: calls.length > 0 && calls.every((call) => call.cacheHit),
  };
}

const noCalls: CallFigures = { tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: 0, cacheHit: false };

type Decided = Pick<StageOutcome, 'ok' | 'output' | 'verdict' | 'reason' | 'rawOutput' | 'error'> & CallFigures;

type StageRunner = (request: LlmRequest, impl: StageImpl, stageConfig: StageConfig, ctx: StageContext) => Promise<Decided>;

const runners: Record<StageKind, StageRunner> = {
  generate: async (request, impl, _config, ctx) => {
    const result = await callLlm(request, ctx.models.deps);
    const output = impl.clean ? impl.clean(result.text) : result.text;
    return { ok: true, output, verdict: null, reason: null, rawOutput: result.text, error: null, ...figuresOf([result]) };
  },
  judge: async (request, _impl, stageConfig, ctx) => {
    const outcome = await callLlmJson(request, judgeReplySchema, ctx.models.deps);
    const figures = figuresOf(outcome.calls);
    if (outcome.ok) {
      const verdict = outcome.value.verdict === 'pass' ? 'PASS' : 'FAIL';
      return { ok: true, output: null, verdict, reason: outcome.value.reason, rawOutput: outcome.text, error: null, ...figures };
    }
    const rawOutput = outcome.replies.map((reply, round) => (round === 0 ? reply : `--- reply to repair round ${round} ---\n${reply}`)).join('\n\n');
    if (stageConfig.passRule?.onUnparseable === 'drop') {
      return { ok: true, output: null, verdict: 'UNPARSEABLE', reason: `unparseable judge reply (treated as fail): ${outcome.error}`, rawOutput, error: null, ...figures };
    }
    return { ok: false, output: null, verdict: 'UNPARSEABLE', reason: null, rawOutput, error: formatCause('unparseable', `the judge's reply is not a verdict, even after ${outcome.replies.length - 1} repair requests. ${outcome.error}`), ...figures };
  },
};

function failed(kind: string, message: string): Decided {
  return { ok: false, output: null, verdict: null, reason: null, rawOutput: null, error: formatCause(kind, message), ...noCalls };
}

function renderFor(stage: StageName, ctx: StageContext, item: ItemFacts): RenderedPrompt {
  const impl = stageTable[stage] as StageImpl;
  return renderStagePrompt(stage, ctx.config.stages[stage], impl.inputs(item), ctx.config.topicDescriptions);
}

/** Runs `stage` for `item`. Throws only for cancellation and infrastructure errors. */
export async function runStage(stage: StageName, ctx: StageContext, item: ItemFacts): Promise<StageOutcome> {
  const startedAt = new Date();
  const impl = stageTable[stage] as StageImpl;
  const stageConfig = ctx.config.stages[stage];
  const finish = (decided: Decided, prompt: string, model: string | null): StageOutcome => ({ ...decided, prompt, model, startedAt, finishedAt: new Date() });

  let rendered: RenderedPrompt;
  try {
    rendered = renderFor(stage, ctx, item);
  } catch (error) {
    if (error instanceof TemplateError) return finish(failed('template', error.message), '', null);
    throw error;
  }
  const prompt = promptText(rendered);

  const skip = impl.precheck?.(item);
  if (skip) return finish({ ok: true, output: null, verdict: skip.verdict, reason: skip.reason, rawOutput: null, error: null, ...noCalls }, prompt, null);

  let endpoint;
  try {
    endpoint = await ctx.models.endpointFor(stageConfig);
  } catch (error) {
    if (error instanceof EndpointUnavailableError) return finish(failed('endpoint', error.message), prompt, stageConfig.model ?? null);
    throw error;
  }

  const { temperature, maxTokens, seed, stop } = stageConfig.parameters;
  const request: LlmRequest = {
    endpoint,
    ...(rendered.mode === 'chat' ? { messages: rendered.messages } : { prompt: rendered.prompt }),
    params: { temperature, maxTokens, seed: impl.seedFor ? impl.seedFor(seed, item) : seed, stop },
    runId: ctx.runId,
    purpose: ctx.purpose ? `${ctx.purpose}:${stage}` : stage,
    signal: ctx.signal,
    bypassCache: ctx.bypassCache,
  };
  try {
    return finish(await runners[impl.kind](request, impl, stageConfig, ctx), prompt, endpoint.model);
  } catch (error) {
    if (error instanceof LlmError && error.kind !== 'cancelled') return finish(failed(error.kind, error.message), prompt, endpoint.model);
    throw error;
  }
}
