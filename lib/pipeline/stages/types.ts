import type { Verdict } from '@/lib/db/generated/enums';
import type { LlmDeps } from '@/lib/llm/call';
import type { EndpointConfig } from '@/lib/llm/types';
import type { RecipeConfig, StageConfig, StageInputs, StageName } from '@/lib/pipeline/prompts/recipe-config';

/** What the pipeline knows about an item when a stage runs. */
export interface ItemFacts {
  text: string;
  topic: string;
  /** 0 for the first instruction induced from a text, 1… for further ones. */
  variant: number;
  instruction: string | null;
  chosen: string | null;
}

/** How stages reach models: endpoint lookup (by the recipe's endpoint name) and the LLM ports. */
export interface PipelineModels {
  endpointFor(stage: StageConfig): Promise<EndpointConfig>;
  deps: LlmDeps;
}

export interface StageContext {
  config: RecipeConfig;
  models: PipelineModels;
  runId?: string;
  /** Aborts queueing and HTTP calls (cancel). */
  signal?: AbortSignal;
  /** Ask the model again instead of reusing a cached reply (retrying an unusable answer). */
  bypassCache?: boolean;
  /** Prefix of the call log's purpose (e.g. "try"); the stage name follows. */
  purpose?: string;
}

/** Everything one stage stores: the StageResult row minus its keys. */
export interface StageOutcome {
  ok: boolean;
  output: string | null;
  verdict: Verdict | null;
  reason: string | null;
  prompt: string;
  rawOutput: string | null;
  /** "kind: message" when ok is false. */
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

export type StageKind = 'generate' | 'judge';

export interface StageImpl<S extends StageName = StageName> {
  stage: S;
  kind: StageKind;
  /** Template variables for this stage from what the item knows. */
  inputs(item: ItemFacts): StageInputs[S];
  /** A decision that needs no model (e.g. nothing to judge); null to call the model. */
  precheck?(item: ItemFacts): { verdict: Verdict; reason: string } | null;
  /** Cleans a generation's text before it is stored as the stage output. */
  clean?(text: string): string;
  /** Generation parameters may depend on the item (a different seed per instruction variant). */
  seedFor?(seed: number | undefined, item: ItemFacts): number | undefined;
}

/** An endpoint a recipe names is missing or unusable (deleted, key not set); the item fails with this message. */
export class EndpointUnavailableError extends Error {}
