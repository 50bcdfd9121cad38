import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/*
 * A minimal `fetch` over node:http with keep-alive agents, handed to the OpenAI SDK.
 * Node's built-in fetch (undici) costs noticeably more CPU per request; at high concurrency the
 * client overhead matters more than the model latency of a fast local server. The whole body is
 * buffered before the promise resolves, so the SDK's per-attempt timeout covers the body as well.
 */

const agentOptions: http.AgentOptions = {
  keepAlive: true,
  keepAliveMsecs: 1_000,
  maxFreeSockets: 256,
  // The most recently used socket is the least likely to have been closed by the server.
  scheduling: 'lifo',
};
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);

const NO_BODY_STATUSES = new Set([101, 204, 205, 304]);

type Decoder = () => NodeJS.ReadWriteStream;
const DECODERS: Partial<Record<string, Decoder>> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error && signal.reason.name === 'AbortError'
    ? signal.reason
    : new DOMException('This operation was aborted', 'AbortError');
}

function requestBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('keepAliveFetch supports only string and byte request bodies');
}

function headersOf(rawHeaders: string[], dropEncoding: boolean): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (dropEncoding && (name === 'content-encoding' || name === 'content-length')) continue;
    headers.append(name, rawHeaders[i + 1]);
  }
  return headers;
}

/**
 * A Response whose body is already in memory. text()/json()/arrayBuffer() hand out the buffer
 * directly; undici's Response would wrap it in a web ReadableStream and read it back, which
 * costs ≈ 0.1 ms of CPU per call — noticeable at hundreds of calls per second. `body` still
 * gives a stream for code that wants one.
 */
export class BufferedResponse extends Response {
  readonly #payload: Buffer<ArrayBuffer> | null;
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | null | undefined;
  #used = false;

  constructor(payload: Buffer<ArrayBuffer> | null, init: ResponseInit) {
    super(null, init);
    this.#payload = payload;
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#stream === undefined) this.#stream = this.#payload === null ? null : new Response(this.#payload).body;
    return this.#stream;
  }

  override get bodyUsed(): boolean {
    return this.#used || (this.#stream?.locked ?? false);
  }

  #take(): Buffer<ArrayBuffer> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#payload ?? Buffer.alloc(0);
  }

  override async text(): Promise<string> {
    return this.#take().toString('utf8');
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  override async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  override clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.#payload, { status: this.status, statusText: this.statusText, headers: this.headers });
  }
}

function sendOnce(url: URL, init: RequestInit, body: string | Uint8Array | undefined, allowStaleRetry: boolean): Promise<Response> {
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined && headers['content-length'] === undefined) {
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  }
  const signal = init.signal ?? undefined;

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let receivedResponse = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const request = (isHttps ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: init.method ?? 'GET',
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
      },
      (response) => {
        receivedResponse = true;
        const status = response.statusCode ?? 0;
        const encoding = (response.headers['content-encoding'] ?? '').toLowerCase();
        const decoder = DECODERS[encoding];
        const source: NodeJS.ReadableStream = decoder ? response.pipe(decoder()) : response;
        const chunks: Buffer[] = [];
        source.on('data', (chunk: Buffer) => chunks.push(chunk));
        source.on('error', (err) => finish(() => reject(err)));
        if (decoder) response.on('error', (err) => finish(() => reject(err)));
        response.on('close', () => {
          if (!response.complete) finish(() => reject(Object.assign(new Error('Connection closed before the response was complete'), { code: 'ECONNRESET' })));
        });
        source.on('end', () =>
          finish(() => {
            const payload = NO_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
            resolve(
              new BufferedResponse(payload, {
                status,
                statusText: response.statusMessage ?? '',
                headers: headersOf(response.rawHeaders, decoder !== undefined),
              }),
            );
          }),
        );
      },
    );
    const onAbort = () => {
      finish(() => reject(abortError(signal as AbortSignal)));
      request.destroy();
    };
    request.on('error', (err: NodeJS.ErrnoException) => {
      // A keep-alive socket the server closed while idle fails on first use; that is not the
      // server's answer, so try once more on a fresh socket (the pattern the Node docs recommend).
      if (allowStaleRetry && request.reusedSocket && !receivedResponse && err.code === 'ECONNRESET' && !signal?.aborted) {
        finish(() => resolve(sendOnce(url, init, body, false)));
        return;
      }
      finish(() => reject(err));
    });
    if (signal) {
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
    }
    request.end(body);
  });
}

/** `fetch`-compatible for the SDK's use: URL or string input, string or byte bodies, abort signals. */
export function keepAliveFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  try {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('keepAliveFetch expects a URL, not a Request object');
    const url = typeof input === 'string' ? new URL(input) : input;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Unsupported protocol ${url.protocol}`);
    return sendOnce(url, init, requestBody(init.body), true);
  } catch (err) {
    return Promise.reject(err);
  }
}
