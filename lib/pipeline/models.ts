/**
 * How the pipeline reaches models: a recipe stage names an endpoint (ProviderEndpoint.name) and
 * may override its model. Endpoints are resolved by the LLM layer (keys decrypted server-side,
 * briefly cached so edits reach running workers); a missing or unusable endpoint fails the item
 * with the LLM layer's explanation instead of failing the job.
 */
import { UserFacingError } from '@/lib/errors';
import type { LlmDeps } from '@/lib/llm/call';
import { loadEndpointConfig } from '@/lib/llm/endpoints';
import type { EndpointConfig } from '@/lib/llm/types';
import type { StageConfig } from '@/lib/pipeline/prompts/recipe-config';
import { EndpointUnavailableError, type PipelineModels } from '@/lib/pipeline/stages/types';

/** The endpoint a stage calls, with the stage's model override; a chat template needs a chat endpoint. */
export function endpointForStage(endpoint: EndpointConfig, stage: Pick<StageConfig, 'mode' | 'model'>): EndpointConfig {
  if (stage.mode === 'chat' && endpoint.mode === 'completion') {
    throw new EndpointUnavailableError(
      `Endpoint "${endpoint.name}" is a completion endpoint, but the stage's template is a chat template; choose a chat endpoint or a completion template.`,
    );
  }
  return stage.model ? { ...endpoint, model: stage.model } : endpoint;
}

/** Looks endpoints up by name; problems the user must fix come back as EndpointUnavailableError. */
export type EndpointLookup = (name: string) => Promise<EndpointConfig>;

export function endpointLookup(load: (idOrName: string) => Promise<EndpointConfig> = loadEndpointConfig): EndpointLookup {
  return async (name) => {
    try {
      return await load(name);
    } catch (error) {
      if (error instanceof UserFacingError) throw new EndpointUnavailableError(error.message);
      throw error;
    }
  };
}

export function pipelineModels(source: { endpoint(idOrName: string): Promise<EndpointConfig>; deps: LlmDeps }): PipelineModels {
  const lookup = endpointLookup((name) => source.endpoint(name));
  return {
    deps: source.deps,
    endpointFor: async (stage) => endpointForStage(await lookup(stage.endpointName), stage),
  };
}
