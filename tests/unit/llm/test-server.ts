import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInMemoryCache, createInMemoryRateLimiter, createInMemoryRecorder } from '@/lib/llm/memory';
import type { LlmDeps } from '@/lib/llm/call';
import type { Clock } from '@/lib/llm/retry';
import type { EndpointConfig } from '@/lib/llm/types';

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  receivedAt: number;
};

export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'raw'; status: number; contentType: string; body: string }
  | { kind: 'destroy' }
  | { kind: 'hang' };

export type TestServer = {
  baseUrl: string;
  requests: ReceivedRequest[];
  maxInFlight: number;
  close(): Promise<void>;
};

/** A tiny OpenAI-like server whose answer to the n-th request (0-based) the test decides. */
export async function startTestServer(replyFor: (request: ReceivedRequest, index: number) => Reply): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        receivedAt: performance.now(),
      };
      const index = requests.length;
      requests.push(received);
      inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      const done = () => {
        inFlight -= 1;
      };
      const reply = replyFor(received, index);
      if (reply.kind === 'destroy') {
        done();
        req.socket.destroy();
        return;
      }
      if (reply.kind === 'hang') {
        res.on('close', done);
        return;
      }
      if (reply.kind === 'raw') {
        done();
        res.writeHead(reply.status, { 'content-type': reply.contentType });
        res.end(reply.body);
        return;
      }
      setTimeout(() => {
        done();
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function chatReply(content: string, usage = { prompt_tokens: 10, completion_tokens: 5 }, delayMs = 0): Reply {
  return {
    kind: 'json',
    status: 200,
    delayMs,
    body: {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1,
      model: 'test-model',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

export function completionReply(text: string, finishReason = 'stop'): Reply {
  return {
    kind: 'json',
    status: 200,
    body: {
      id: 'cmpl-test',
      object: 'text_completion',
      created: 1,
      model: 'test-model',
      choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    },
  };
}

export function errorReply(status: number, message: string, headers?: Record<string, string>, code?: string): Reply {
  return { kind: 'json', status, headers, body: { error: { message, type: 'test_error', code: code ?? null } } };
}

export function testEndpointConfig(baseUrl: string, overrides: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    id: 'ep-test',
    name: 'Test endpoint',
    baseUrl,
    model: 'test-model',
    mode: 'chat',
    apiKey: 'sk-test-0123456789abcdef',
    defaultParams: { temperature: 0, maxTokens: 64 },
    limits: { concurrency: 8, rpm: null, tpm: null },
    timeoutMs: 5_000,
    retryBudgetMs: 10_000,
    priceInputPerMTok: 2.5,
    priceOutputPerMTok: 10,
    supportsJsonMode: true,
    simulated: false,
    ...overrides,
  };
}

/** A clock whose sleeps pass no real time: each sleep moves it on by what was asked. */
export function fakeClock(): Clock & { slept: number[] } {
  let time = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => time,
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      time += ms;
    },
  };
}

export function testDeps(overrides: Partial<LlmDeps> = {}) {
  const cache = createInMemoryCache();
  const recorder = createInMemoryRecorder();
  const limiter = createInMemoryRateLimiter();
  const warnings: string[] = [];
  const deps: LlmDeps = {
    cache,
    recorder,
    limiter,
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 100 },
    random: () => 0.5,
    warn: (message) => warnings.push(message),
    ...overrides,
  };
  return { deps, cache, recorder, limiter, warnings };
}
