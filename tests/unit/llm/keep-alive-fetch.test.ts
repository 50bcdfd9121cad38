import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveFetch } from '@/lib/llm/keep-alive-fetch';

let server: http.Server | null = null;
let connections = 0;

async function listen(handler: http.RequestListener): Promise<string> {
  connections = 0;
  server = http.createServer(handler);
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const current = server;
  server = null;
  if (current) {
    current.closeAllConnections();
    await new Promise((resolve) => current.close(resolve));
  }
});

describe('keepAliveFetch', () => {
  it('sends method, headers and body, and reuses one connection for sequential requests', async () => {
    const seen: { method?: string; type?: string; body: string }[] = [];
    const base = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], body });
        res.writeHead(201, [['x-multi', 'a'], ['x-multi', 'b'], ['content-type', 'application/json']]);
        res.end('{"ok":true}');
      });
    });
    for (let i = 0; i < 3; i += 1) {
      const response = await keepAliveFetch(`${base}/v1/x?i=${i}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"i":${i}}` });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-multi')).toBe('a, b');
      expect(await response.json()).toEqual({ ok: true });
    }
    expect(seen).toEqual([0, 1, 2].map((i) => ({ method: 'POST', type: 'application/json', body: `{"i":${i}}` })));
    expect(connections).toBe(1);
  });

  it('decodes a gzip body and drops the encoding headers', async () => {
    const base = await listen((_req, res) => {
      const payload = zlib.gzipSync(JSON.stringify({ text: 'zipped' }));
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': payload.length, 'content-type': 'application/json' });
      res.end(payload);
    });
    const response = await keepAliveFetch(`${base}/`);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual({ text: 'zipped' });
  });

  it('rejects with an AbortError when the signal fires while waiting for the body', async () => {
    const base = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(keepAliveFetch(`${base}/`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports a connection closed mid-body as ECONNRESET', async () => {
    const base = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    await expect(keepAliveFetch(`${base}/`)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('resends once on a fresh socket when a reused idle socket was reset', async () => {
    let requests = 0;
    const base = await listen((req, res) => {
      requests += 1;
      if (requests === 2) {
        // Simulates the server having closed the idle keep-alive socket.
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('fine');
    });
    expect(await (await keepAliveFetch(`${base}/`)).text()).toBe('fine');
    expect(await (await keepAliveFetch(`${base}/`)).text()).toBe('fine');
    expect(requests).toBe(3);
    expect(connections).toBe(2);
  });
});

describe('BufferedResponse', () => {
  it('reads like a fetch Response: once, as text, JSON, bytes or a stream, and clones', async () => {
    const { BufferedResponse } = await import('@/lib/llm/keep-alive-fetch');
    const payload = () => Buffer.from('{"a":[1,"é"]}');
    const init = { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' } };

    const response = new BufferedResponse(payload(), init);
    expect(response).toBeInstanceOf(Response);
    expect(response.ok).toBe(true);
    const copy = response.clone();
    expect(await response.json()).toEqual({ a: [1, 'é'] });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(new TextDecoder().decode(await copy.arrayBuffer())).toBe('{"a":[1,"é"]}');

    const streamed = new BufferedResponse(payload(), init);
    const reader = streamed.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    expect(Buffer.concat(chunks).toString()).toBe('{"a":[1,"é"]}');
    expect(streamed.bodyUsed).toBe(true);
    await expect(streamed.text()).rejects.toThrow(TypeError);

    const empty = new BufferedResponse(null, { status: 204 });
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe('');
    expect(await new BufferedResponse(payload(), init).blob()).toMatchObject({ type: 'application/json', size: 14 });
  });
});
