/**
 * Runs one evaluation step: a target's generation, or a judge's verdict/score/preference. Problems
 * that belong to the item (model errors after retries, unparseable judge replies, a missing
 * endpoint, a broken template) come back as a failed outcome to store; cancellation and
 * infrastructure failures are thrown — the same split as the pipeline's stages.
 */
import type { EvalPreference, EvalVerdict } from '@/lib/db/generated/enums';
import type { EvalRubric } from '@/lib/eval/config';
import type { ItemFacts, RunnableStep } from '@/lib/eval/item-plan';
import { rubricMessages, rubricTable } from '@/lib/eval/rubrics';
import { callLlm, type LlmDeps } from '@/lib/llm/call';
import { LlmError } from '@/lib/llm/errors';
import { callLlmJson } from '@/lib/llm/json';
import type { ChatMessage, EndpointConfig, LlmRequest, LlmResult } from '@/lib/llm/types';
import { formatCause } from '@/lib/pipeline/item-state';
import { endpointForStage, type EndpointLookup } from '@/lib/pipeline/models';
import { EndpointUnavailableError } from '@/lib/pipeline/stages/types';
import { renderTemplate, TemplateError } from '@/lib/pipeline/template';

export interface StepOutcome {
  ok: boolean;
  output: string | null;
  verdict: EvalVerdict | null;
  score: number | null;
  preference: EvalPreference | null;
  reason: string | null;
  prompt: string;
  rawOutput: string | null;
  error: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number;
  cacheHit: boolean;
  model: string | null;
  startedAt: Date;
  finishedAt: Date;
}

export interface StepContext {
  runId: string;
  endpoints: EndpointLookup;
  deps: LlmDeps;
  signal?: AbortSignal;
  /** Ask again instead of reusing a cached reply (retrying an unusable judge answer). */
  bypassCache?: boolean;
}

type Decided = Pick<StepOutcome, 'ok' | 'output' | 'verdict' | 'score' | 'preference' | 'reason' | 'rawOutput' | 'error' | 'tokensIn' | 'tokensOut' | 'costUsd' | 'latencyMs' | 'cacheHit'>;

function figures(calls: readonly LlmResult[]): Pick<Decided, 'tokensIn' | 'tokensOut' | 'costUsd' | 'latencyMs' | 'cacheHit'> {
  return {
    tokensIn: calls.reduce((sum, call) => sum + call.tokensIn, 0),
    tokensOut: calls.reduce((sum, call) => sum + call.tokensOut, 0),
    costUsd: calls.reduce((sum, call) => sum + call.costUsd, 0),
    latencyMs: Math.round(calls.reduce((sum, call) => sum + call.latencyMs, 0)),
    cacheHit: calls.length > 0 && calls.every((call) => call.cacheHit),
  };
}

const empty: Omit<Decided, 'ok' | 'error'> = { output: null, verdict: null, score: null, preference: null, reason: null, rawOutput: null, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: 0, cacheHit: false };

function failed(kind: string, message: string): Decided {
  return { ...empty, ok: false, error: formatCause(kind, message) };
}

function promptText(request: Pick<LlmRequest, 'messages' | 'prompt'>): string {
  if (request.prompt !== undefined) return request.prompt;
  return (request.messages ?? []).map((message: ChatMessage) => `<|${message.role}|>\n${message.content}`).join('\n');
}

interface Prepared {
  endpointFor: () => Promise<EndpointConfig>;
  input: Pick<LlmRequest, 'messages' | 'prompt'>;
  params: LlmRequest['params'];
  run(request: LlmRequest, deps: LlmDeps): Promise<Decided>;
}

function prepareGenerate(step: Extract<RunnableStep, { kind: 'GENERATE' }>, facts: ItemFacts, ctx: StepContext): Prepared {
  const { target } = step.target;
  const input: Prepared['input'] =
    target.mode === 'completion'
      ? { prompt: renderTemplate(target.template, { prompt: facts.prompt }) }
      : { messages: [...(target.systemPrompt ? [{ role: 'system' as const, content: target.systemPrompt }] : []), { role: 'user' as const, content: facts.prompt }] };
  return {
    endpointFor: async () => endpointForStage(await ctx.endpoints(target.endpointName), { mode: target.mode, model: target.model ?? undefined }),
    input,
    params: { temperature: target.parameters.temperature, maxTokens: target.parameters.maxTokens, seed: target.parameters.seed, stop: target.parameters.stop },
    async run(request, deps) {
      const result = await callLlm(request, deps);
      return { ...empty, ok: true, error: null, output: result.text.trim(), rawOutput: result.text, ...figures([result]) };
    },
  };
}

function prepareJudge(step: Extract<RunnableStep, { kind: 'JUDGE' | 'PAIRWISE' }>, facts: ItemFacts, ctx: StepContext): Prepared {
  const judge = step.judgeConfig;
  const rubric: EvalRubric = judge.rubric;
  const impl = rubricTable[rubric];
  return {
    endpointFor: async () => endpointForStage(await ctx.endpoints(judge.endpointName), { mode: 'chat', model: judge.model ?? undefined }),
    input: { messages: rubricMessages(rubric, { prompt: facts.prompt, reference: facts.reference, responses: step.responses }) },
    params: { temperature: judge.parameters.temperature, maxTokens: judge.parameters.maxTokens, seed: judge.parameters.seed },
    async run(request, deps) {
      const outcome = await callLlmJson(request, impl.replySchema, deps);
      if (outcome.ok) {
        const decision = impl.decide(outcome.value);
        return { ...empty, ok: true, error: null, ...decision, rawOutput: outcome.text, ...figures(outcome.calls) };
      }
      return {
        ...empty,
        ok: false,
        rawOutput: `${outcome.raw}\n\n--- reply to the repair request ---\n${outcome.repairRaw}`,
        error: formatCause('unparseable', `the judge's reply is not a ${rubric} decision, even after a repair request. ${outcome.error}`),
        ...figures(outcome.calls),
      };
    },
  };
}

/** Runs `step` for the item. Throws only for cancellation and infrastructure errors. */
export async function runEvalStep(step: RunnableStep, facts: ItemFacts, ctx: StepContext): Promise<StepOutcome> {
  const startedAt = new Date();
  const finish = (decided: Decided, prompt: string, model: string | null): StepOutcome => ({ ...decided, prompt, model, startedAt, finishedAt: new Date() });
  let prepared: Prepared;
  try {
    prepared = step.kind === 'GENERATE' ? prepareGenerate(step, facts, ctx) : prepareJudge(step, facts, ctx);
  } catch (error) {
    if (error instanceof TemplateError) return finish(failed('template', error.message), '', null);
    throw error;
  }
  const prompt = promptText(prepared.input);
  let endpoint: EndpointConfig;
  try {
    endpoint = await prepared.endpointFor();
  } catch (error) {
    if (error instanceof EndpointUnavailableError) return finish(failed('endpoint', error.message), prompt, null);
    throw error;
  }
  const request: LlmRequest = {
    endpoint,
    ...prepared.input,
    params: prepared.params,
    runId: ctx.runId,
    purpose: `eval:${step.kind.toLowerCase()}`,
    signal: ctx.signal,
    bypassCache: ctx.bypassCache,
  };
  try {
    return finish(await prepared.run(request, ctx.deps), prompt, endpoint.model);
  } catch (error) {
    if (error instanceof LlmError && error.kind !== 'cancelled') return finish(failed(error.kind, error.message), prompt, endpoint.model);
    throw error;
  }
}
