import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import { DEFAULT_FAULT_CONFIG, describeZodError, mergeFaultConfig, type FaultConfig, type FaultConfigInput } from './config';
import { FaultPlanner, type FaultPlan, type RequestFault } from './faults';
import { generateChoices, type GenerationInput } from './generate';
import {
  chatCompletionBody,
  chatRequestSchema,
  chatStreamChunks,
  completionBody,
  completionRequestSchema,
  completionStreamChunks,
  errorBody,
  makeId,
  makeUsage,
  messageText,
  nowSeconds,
  type ChatRequest,
  type ChoiceText,
  type CompletionRequest,
  type OpenAiError,
  type Usage,
} from './openai-shapes';
import { resolveRole, SIMULATED_MODELS, SIM_ROLES } from './roles';
import { SimulatorStatsCollector, type SimulatorStats, type SimulatorStatsSnapshot } from './stats';
import { estimateTokens } from './text';

export type { FaultConfig, FaultConfigInput, LatencyConfig } from './config';
export type { FaultKind } from './faults';
export type { SimRole } from './roles';
export type { SimulatorStats, SimulatorStatsSnapshot } from './stats';
export { SIMULATED_MODELS } from './roles';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. The server only ever listens on 127.0.0.1. */
  port?: number;
  faults?: FaultConfigInput;
  /** Judge: share of items that pass once the rules found nothing wrong. Default 0.85. */
  passRate?: number;
  /**
   * Reversed and expert: share of replies written with a flaw real models show (copying the text,
   * too short, off topic, cut off; an expert that complies), so the judge's rules have something
   * to catch in a demo. Default 0.1; 0 makes every reply well-formed.
   */
  flawRate?: number;
  /** When set, `/v1/*` requests need `Authorization: Bearer <requireApiKey>`. */
  requireApiKey?: string;
}

export interface SimulatorHandle {
  /** Base URL for an OpenAI client, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  port: number;
  stats: SimulatorStats;
  /** Merges the given fields into the fault config; throws on invalid values. */
  setFaults(faults: FaultConfigInput): void;
  getFaults(): FaultConfig;
  /** Replays the fault and latency sequence from `faultSeed`, as after a fresh start. */
  restartFaultSequence(): void;
  /** Stops listening, ends open sockets (including hung ones) and cancels pending timers. */
  close(): Promise<void>;
}

export const DEFAULT_FLAW_RATE = 0.1;
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const CONTROL_PREFIX = '/__sim/';

interface SimulatorState {
  planner: FaultPlanner;
  stats: SimulatorStatsCollector;
  passRate: number;
  flawRate: number;
  requireApiKey: string | null;
  timers: Set<NodeJS.Timeout>;
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  state: SimulatorState;
  path: string;
  startedAt: number;
}

type RouteHandler = (ctx: RequestContext) => void | Promise<void>;

class HttpError extends Error {
  constructor(readonly detail: OpenAiError) {
    super(detail.message);
  }
}

function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError({ status: 400, type: 'invalid_request_error', code: null, message, param });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

function sendError(res: ServerResponse, error: OpenAiError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, errorBody(error), headers);
}

function sendStream(res: ServerResponse, chunks: unknown[]): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(`${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError({ status: 413, type: 'invalid_request_error', code: null, message: `Request body is larger than ${MAX_BODY_BYTES} bytes` }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const raw = await readBody(req);
  if (raw.trim() === '') throw badRequest('Request body is empty; send a JSON object.');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw badRequest(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const param = parsed.error.issues[0]?.path.join('.') || null;
    throw badRequest(`Invalid request body: ${describeZodError(parsed.error)}`, param);
  }
  return parsed.data;
}

function authorize({ req, state }: RequestContext): void {
  if (state.requireApiKey === null) return;
  const header = req.headers.authorization ?? '';
  if (header === `Bearer ${state.requireApiKey}`) return;
  const message = header
    ? 'Incorrect API key provided. The simulator was started with requireApiKey; send Authorization: Bearer <that key>.'
    : "You didn't provide an API key. Send Authorization: Bearer <key> (the simulator was started with requireApiKey).";
  throw new HttpError({ status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message });
}

function modelNotFound(model: string): HttpError {
  return new HttpError({
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: 'model',
    message:
      `The model \`${model}\` does not exist or you do not have access to it. Simulated models: ` +
      `${Object.values(SIMULATED_MODELS).join(', ')} (or any name containing ${SIM_ROLES.join(' / ')}).`,
  });
}

/** Resolves after `ms`; the timer is tracked so `close()` can cancel it. */
function wait(state: SimulatorState, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      resolve();
    }, ms);
    state.timers.add(timer);
  });
}

const REQUEST_FAULTS: Record<RequestFault, (ctx: RequestContext) => void> = {
  drop: ({ req }) => {
    req.socket.destroy();
  },
  hang: ({ req, res, state }) => {
    // Keep the socket open and silent so the client's own timeout is what ends the call.
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      req.socket.destroy();
    }, state.planner.current.hangMs);
    state.timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      state.timers.delete(timer);
    });
  },
  http429: ({ res, state }) => {
    const seconds = state.planner.current.retryAfterSeconds;
    sendError(
      res,
      {
        status: 429,
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for requests (simulated). Please try again in ${seconds}s.`,
      },
      { 'retry-after': String(seconds) },
    );
  },
  http500: ({ res }) => {
    sendError(res, {
      status: 500,
      type: 'server_error',
      code: null,
      message: 'The server had an error while processing your request. Sorry about that! (simulated)',
    });
  },
};

interface EndpointSpec<Req> {
  schema: z.ZodType<Req>;
  idPrefix: 'chatcmpl' | 'cmpl';
  toInput(body: Req): Omit<GenerationInput, 'role'>;
  body(id: string, model: string, created: number, choices: ChoiceText[], usage: Usage): unknown;
  streamChunks(id: string, model: string, created: number, choices: ChoiceText[], usage: Usage | null): unknown[];
}

function stopList(stop: string | string[] | null | undefined): string[] {
  if (!stop) return [];
  return typeof stop === 'string' ? [stop] : stop;
}

const chatEndpoint: EndpointSpec<ChatRequest> = {
  schema: chatRequestSchema,
  idPrefix: 'chatcmpl',
  toInput(body) {
    const texts = body.messages.map((message) => ({ role: message.role, text: messageText(message) }));
    const lastUser = [...texts].reverse().find((m) => m.role === 'user') ?? texts[texts.length - 1];
    const format = body.response_format?.type;
    return {
      model: body.model,
      prompts: [{ text: lastUser.text, fullPrompt: texts.map((m) => `${m.role}: ${m.text}`).join('\n') }],
      promptTokens: texts.reduce((sum, m) => sum + estimateTokens(m.text), 0),
      n: body.n ?? 1,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
      stop: stopList(body.stop),
      seed: body.seed ?? null,
      jsonMode: format === 'json_object' || format === 'json_schema',
      requestKey: JSON.stringify([body.model, texts, body.seed ?? null, body.temperature ?? null]),
    };
  },
  body: chatCompletionBody,
  streamChunks: chatStreamChunks,
};

const completionEndpoint: EndpointSpec<CompletionRequest> = {
  schema: completionRequestSchema,
  idPrefix: 'cmpl',
  toInput(body) {
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    return {
      model: body.model,
      prompts: prompts.map((text) => ({ text, fullPrompt: text })),
      promptTokens: prompts.reduce((sum, text) => sum + estimateTokens(text), 0),
      n: body.n ?? 1,
      maxTokens: body.max_tokens ?? null,
      stop: stopList(body.stop),
      seed: body.seed ?? null,
      jsonMode: false,
      requestKey: JSON.stringify([body.model, prompts, body.seed ?? null, body.temperature ?? null]),
    };
  },
  body: completionBody,
  streamChunks: completionStreamChunks,
};

async function handleGeneration<Req extends { stream?: boolean | null; stream_options?: { include_usage?: boolean } | null }>(
  ctx: RequestContext,
  spec: EndpointSpec<Req>,
): Promise<void> {
  const { res, state } = ctx;
  authorize(ctx);
  const body = await readJsonBody(ctx.req, spec.schema);
  const partial = spec.toInput(body);
  const role = resolveRole(partial.model);
  if (role === null) throw modelNotFound(partial.model);
  state.stats.modelRequested(partial.model);

  const plan: FaultPlan = state.planner.next();
  await wait(state, plan.latencyMs - (performance.now() - ctx.startedAt));
  if (res.destroyed) return;

  if (plan.requestFault !== null) {
    state.stats.faultInjected(plan.requestFault);
    REQUEST_FAULTS[plan.requestFault](ctx);
    return;
  }

  const result = generateChoices({ ...partial, role }, plan, state.passRate, state.flawRate);
  if (result.contentFault !== null) state.stats.faultInjected(result.contentFault);
  const usage = makeUsage(partial.promptTokens, result.completionTokens);
  const id = makeId(spec.idPrefix);
  const created = nowSeconds();
  if (body.stream) {
    const includeUsage = body.stream_options?.include_usage === true;
    sendStream(res, spec.streamChunks(id, partial.model, created, result.choices, includeUsage ? usage : null));
    return;
  }
  sendJson(res, 200, spec.body(id, partial.model, created, result.choices, usage));
}

function modelObject(id: string) {
  return { id, object: 'model' as const, created: 1_700_000_000, owned_by: 'simulator' };
}

function listModels(ctx: RequestContext): void {
  authorize(ctx);
  sendJson(ctx.res, 200, { object: 'list', data: Object.values(SIMULATED_MODELS).map(modelObject) });
}

function retrieveModel(ctx: RequestContext): void {
  authorize(ctx);
  const id = decodeURIComponent(ctx.path.slice('/v1/models/'.length));
  if (resolveRole(id) === null) throw modelNotFound(id);
  sendJson(ctx.res, 200, modelObject(id));
}

function controlSnapshot(state: SimulatorState): { stats: SimulatorStatsSnapshot; faults: FaultConfig; passRate: number } {
  return { stats: state.stats.snapshot(), faults: state.planner.current, passRate: state.passRate };
}

async function setFaultsFromRequest({ req, res, state }: RequestContext): Promise<void> {
  const raw = await readBody(req);
  let input: unknown;
  try {
    input = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (error) {
    throw badRequest(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  try {
    state.planner.update(mergeFaultConfig(state.planner.current, input));
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  sendJson(res, 200, { faults: state.planner.current });
}

const ROUTES: Record<string, RouteHandler> = {
  'GET /v1/models': listModels,
  'POST /v1/chat/completions': (ctx) => handleGeneration(ctx, chatEndpoint),
  'POST /v1/completions': (ctx) => handleGeneration(ctx, completionEndpoint),
  'GET /__sim/stats': ({ res, state }) => sendJson(res, 200, controlSnapshot(state)),
  'GET /__sim/faults': ({ res, state }) => sendJson(res, 200, { faults: state.planner.current }),
  'POST /__sim/faults': setFaultsFromRequest,
  'POST /__sim/reset': ({ res, state }) => {
    state.stats.reset();
    state.planner.restart();
    sendJson(res, 200, controlSnapshot(state));
  },
};

function findRoute(method: string, path: string): RouteHandler | null {
  const exact = ROUTES[`${method} ${path}`];
  if (exact) return exact;
  if (method === 'GET' && path.startsWith('/v1/models/')) return retrieveModel;
  return null;
}

async function handleRequest(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = performance.now();
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  // Marked on every reply, errors included, so simulated output is never taken for a real model's.
  res.setHeader('x-simulated', 'true');

  if (!path.startsWith(CONTROL_PREFIX)) {
    state.stats.requestStarted(path);
    res.once('close', () => state.stats.requestEnded(res.headersSent ? res.statusCode : null));
  }

  const ctx: RequestContext = { req, res, state, path, startedAt };
  try {
    const route = findRoute(method, path);
    if (!route) {
      throw new HttpError({ status: 404, type: 'invalid_request_error', code: 'unknown_url', message: `Unknown request URL: ${method} ${path}.` });
    }
    await route(ctx);
  } catch (error) {
    if (error instanceof HttpError) {
      sendError(res, error.detail, error.detail.status === 413 ? { connection: 'close' } : {});
      return;
    }
    sendError(res, { status: 500, type: 'server_error', code: 'simulator_bug', message: `Simulator internal error: ${(error as Error).message}` });
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is already in use on 127.0.0.1; choose another port, or 0 for a free one.`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function checkRate(name: string, rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`${name} must be between 0 and 1, got ${rate}`);
  return rate;
}

/** Starts an OpenAI-compatible server with simulated models on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const state: SimulatorState = {
    planner: new FaultPlanner(mergeFaultConfig(DEFAULT_FAULT_CONFIG, options.faults ?? {})),
    stats: new SimulatorStatsCollector(),
    passRate: checkRate('passRate', options.passRate ?? 0.85),
    flawRate: checkRate('flawRate', options.flawRate ?? DEFAULT_FLAW_RATE),
    requireApiKey: options.requireApiKey ?? null,
    timers: new Set(),
  };
  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    void handleRequest(state, req, res);
  });
  const port = await listen(server, options.port ?? 0);

  let closed: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    stats: state.stats,
    setFaults: (faults) => state.planner.update(mergeFaultConfig(state.planner.current, faults)),
    getFaults: () => state.planner.current,
    restartFaultSequence: () => state.planner.restart(),
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        for (const timer of state.timers) clearTimeout(timer);
        state.timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
