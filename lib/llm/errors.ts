import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { scrubSecrets } from '@/lib/llm/secrets';
import type { LlmErrorKind } from '@/lib/llm/types';

export class LlmError extends Error {
  readonly kind: LlmErrorKind;
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(init: { kind: LlmErrorKind; message: string; status?: number; attempts: number }) {
    super(init.message);
    this.name = 'LlmError';
    this.kind = init.kind;
    this.status = init.status;
    this.attempts = init.attempts;
  }
}

/** Raised inside the call layer when a 200 response is not an OpenAI-compatible completion. */
export class UnparseableResponseError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'UnparseableResponseError';
  }
}

export type ErrorContext = {
  baseUrl: string;
  model?: string;
  timeoutMs?: number;
  /** Only used to scrub the key out of messages. */
  apiKey?: string | null;
};

export type ClassifiedError = {
  kind: LlmErrorKind;
  status?: number;
  retryable: boolean;
  /** Delay the server asked for (Retry-After / retry-after-ms), uncapped. */
  retryAfterMs?: number;
  /** User-facing message, scrubbed of the API key. */
  message: string;
};

type Details = {
  status?: number;
  serverMessage?: string;
  code?: string;
  context: ErrorContext;
};

const RETRYABLE: Record<LlmErrorKind, boolean> = {
  auth: false,
  not_found: false,
  bad_request: false,
  rate_limited: true,
  server: true,
  timeout: true,
  connection: true,
  // A local server that is (re)starting refuses connections for a moment.
  refused: true,
  dns: false,
  unparseable: false,
  budget: false,
  cancelled: false,
};

function hostOf(baseUrl: string): { host: string; port: string } {
  try {
    const url = new URL(baseUrl);
    return { host: url.hostname, port: url.port || (url.protocol === 'https:' ? '443' : '80') };
  } catch {
    return { host: baseUrl, port: '?' };
  }
}

function serverSaid(details: Details): string {
  return details.serverMessage ? ` Server said: "${details.serverMessage}"` : '';
}

function httpLabel(details: Details): string {
  return details.status ? `HTTP ${details.status}` : 'no HTTP status';
}

const MESSAGES: Record<LlmErrorKind, (details: Details) => string> = {
  auth: (d) =>
    d.status === 403
      ? `The server refused access with this API key (HTTP 403). Check that the key may use model "${d.context.model ?? '?'}".${serverSaid(d)}`
      : `The server rejected the API key (${httpLabel(d)}). Check the key, or the environment variable that holds it.${serverSaid(d)}`,
  not_found: (d) =>
    `Model "${d.context.model ?? '?'}" was not found at ${d.context.baseUrl} (HTTP 404). Check the model name, and that the base URL ends with /v1.${serverSaid(d)}`,
  bad_request: (d) => `The server refused the request (${httpLabel(d)}).${serverSaid(d)}`,
  rate_limited: (d) => `The server is rate limiting requests (HTTP 429).${serverSaid(d)}`,
  server: (d) => `The server failed (${httpLabel(d)}).${serverSaid(d)}`,
  timeout: (d) =>
    `No response from ${d.context.baseUrl} within ${d.context.timeoutMs !== undefined ? `${d.context.timeoutMs / 1000} s` : 'the timeout'}. The server may be overloaded or the timeout too short.`,
  connection: (d) =>
    `The connection to ${d.context.baseUrl} failed or was dropped${d.code ? ` (${d.code})` : ''}.${d.serverMessage ? ` ${d.serverMessage}` : ''}`,
  dns: (d) => `Cannot resolve the host "${hostOf(d.context.baseUrl).host}" (DNS lookup failed). Check the base URL.`,
  refused: (d) => {
    const { host, port } = hostOf(d.context.baseUrl);
    return `Connection refused by ${host}:${port}. Is the server running and listening on that port?`;
  },
  unparseable: (d) =>
    `The reply from ${d.context.baseUrl} is not an OpenAI-compatible response${d.serverMessage ? `: ${d.serverMessage}` : '.'}`,
  budget: (d) => `The provider reports that the quota or budget is exhausted.${serverSaid(d)}`,
  cancelled: () => 'The call was cancelled.',
};

const NODE_CODE_KINDS: Record<string, LlmErrorKind> = {
  ENOTFOUND: 'dns',
  EAI_NONAME: 'dns',
  EAI_AGAIN: 'connection',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'connection',
  EPIPE: 'connection',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'connection',
  UND_ERR_CLOSED: 'connection',
  EHOSTUNREACH: 'connection',
  ENETUNREACH: 'connection',
};

/** Finds the first Node/undici error code in an error, its causes and aggregated errors. */
export function findErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const pending: unknown[] = [err];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const record = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string' && record.code in NODE_CODE_KINDS) return record.code;
    pending.push(record.cause);
    if (Array.isArray(record.errors)) pending.push(...record.errors);
  }
  return undefined;
}

/** Milliseconds the server asked us to wait, from `retry-after-ms` or `Retry-After` (seconds or HTTP date). */
export function parseRetryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const millis = headers.get('retry-after-ms');
  if (millis !== null) {
    const value = Number.parseFloat(millis);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null) return undefined;
  const seconds = Number(after.trim());
  if (after.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function serverMessageOf(err: APIError): string | undefined {
  const body = err.error as { message?: unknown; error?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  if (body && typeof body.error === 'string' && body.error) return body.error;
  // The SDK prefixes its message with the status code; keep the server's part only.
  const stripped = err.message.replace(/^\d{3}\s+/, '');
  return stripped && !/status code \(no body\)/.test(stripped) ? stripped : undefined;
}

function kindForStatus(status: number, err: APIError): LlmErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return err.code === 'insufficient_quota' ? 'budget' : 'rate_limited';
  if (status === 402) return 'budget';
  if (status >= 500) return 'server';
  return 'bad_request';
}

function isAbort(err: unknown): boolean {
  return err instanceof APIUserAbortError || (err instanceof Error && err.name === 'AbortError');
}

const MAX_SERVER_MESSAGE_CHARS = 500;

/** Maps anything a call can throw to a kind, whether it is worth retrying, and a scrubbed user-facing message. */
export function classifyError(err: unknown, context: ErrorContext): ClassifiedError {
  if (err instanceof LlmError) {
    return { kind: err.kind, status: err.status, retryable: RETRYABLE[err.kind], message: scrubSecrets(err.message, context.apiKey) };
  }
  let kind: LlmErrorKind;
  const details: Details = { context };
  let retryAfterMs: number | undefined;

  if (isAbort(err)) {
    kind = 'cancelled';
  } else if (err instanceof APIConnectionTimeoutError) {
    kind = 'timeout';
  } else if (err instanceof APIConnectionError) {
    details.code = findErrorCode(err);
    kind = details.code ? NODE_CODE_KINDS[details.code] : 'connection';
  } else if (err instanceof APIError && typeof err.status === 'number') {
    details.status = err.status;
    details.serverMessage = serverMessageOf(err);
    kind = kindForStatus(err.status, err);
    retryAfterMs = parseRetryAfterMs(err.headers);
  } else if (err instanceof UnparseableResponseError) {
    kind = 'unparseable';
    details.serverMessage = err.detail;
  } else if (err instanceof SyntaxError) {
    // The SDK could not parse a body announced as JSON.
    kind = 'unparseable';
    details.serverMessage = `the body is not valid JSON (${err.message})`;
  } else {
    details.code = findErrorCode(err);
    kind = details.code ? NODE_CODE_KINDS[details.code] : 'connection';
    if (!details.code && err instanceof Error) details.serverMessage = err.message;
  }

  if (details.serverMessage && details.serverMessage.length > MAX_SERVER_MESSAGE_CHARS) {
    details.serverMessage = details.serverMessage.slice(0, MAX_SERVER_MESSAGE_CHARS) + '…';
  }
  const message = scrubSecrets(MESSAGES[kind](details), context.apiKey);
  return { kind, status: details.status, retryable: RETRYABLE[kind], retryAfterMs, message };
}

/**
 * The user-facing explanation of a failed connection, e.g. for the Settings "Test" button:
 * DNS failure, refused connection, rejected key (401), unknown model (404), timeout.
 */
export function describeConnectionError(err: unknown, context: ErrorContext): { kind: LlmErrorKind; message: string } {
  const { kind, message } = classifyError(err, context);
  return { kind, message };
}
