import OpenAI from 'openai';
import { keepAliveFetch } from '@/lib/llm/keep-alive-fetch';
import { fingerprintSecret } from '@/lib/llm/secrets';
import type { EndpointConfig } from '@/lib/llm/types';

// Keyless local servers (Ollama, llama.cpp, vLLM without --api-key) ignore the header, but the SDK insists on one.
const PLACEHOLDER_API_KEY = 'not-needed';
const MAX_CACHED_CLIENTS = 64;

const clients = new Map<string, OpenAI>();

/** Builds a client for one endpoint; our own retry loop replaces the SDK's, and nothing is read from OPENAI_* env vars. */
export function createOpenAiClient(endpoint: Pick<EndpointConfig, 'baseUrl' | 'apiKey' | 'timeoutMs'>): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseUrl,
    apiKey: endpoint.apiKey ?? PLACEHOLDER_API_KEY,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
    logLevel: 'off',
    fetch: keepAliveFetch,
  });
}

/** One reusable client per endpoint id, base URL and key (by fingerprint), so connections stay warm. */
export function openAiClientFor(endpoint: EndpointConfig): OpenAI {
  const key = `${endpoint.id}\u0000${endpoint.baseUrl}\u0000${fingerprintSecret(endpoint.apiKey)}`;
  let client = clients.get(key);
  if (!client) {
    client = createOpenAiClient(endpoint);
    if (clients.size >= MAX_CACHED_CLIENTS) {
      const oldest = clients.keys().next().value;
      if (oldest !== undefined) clients.delete(oldest);
    }
    clients.set(key, client);
  }
  return client;
}
