import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PEER_HEADER, PEER_TOKEN_ENV, stampPeerAddress } from '@/scripts/web-server.mjs';
import { clientAddress, UNKNOWN_PEER } from '@/lib/auth/client-address';

const token = 'per-process-token';

/** Headers as the app sees them after scripts/web-server.mjs stamped a request from `socket`. */
function served(socket: string, headers: Record<string, string> = {}): Headers {
  const req = { socket: { remoteAddress: socket }, headers: { ...headers } } as unknown as IncomingMessage;
  stampPeerAddress(req, token);
  return new Headers(req.headers as Record<string, string>);
}

describe('client address for the per-address sign-in limit', () => {
  const previous = process.env[PEER_TOKEN_ENV];
  process.env[PEER_TOKEN_ENV] = token;
  afterEach(() => {
    process.env[PEER_TOKEN_ENV] = token;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env[PEER_TOKEN_ENV];
    else process.env[PEER_TOKEN_ENV] = previous;
  });

  it('is the socket address without trusted proxies, whatever X-Forwarded-For says', () => {
    for (let i = 0; i < 5; i++) {
      expect(clientAddress(served('10.1.2.3', { 'x-forwarded-for': `198.51.100.${i}` }), 0)).toBe('10.1.2.3');
    }
    expect(clientAddress(served('::ffff:10.1.2.3'), 0)).toBe('10.1.2.3');
  });

  it('ignores a peer header the client sent itself', () => {
    // The server overwrites it …
    expect(clientAddress(served('10.1.2.3', { [PEER_HEADER]: `${token} 203.0.113.9` }), 0)).toBe('10.1.2.3');
    // … and without the server's token it is worthless: all such clients share one bucket.
    expect(clientAddress(new Headers({ [PEER_HEADER]: 'guessed 203.0.113.9' }), 0)).toBe(UNKNOWN_PEER);
    expect(clientAddress(new Headers({ 'x-forwarded-for': '203.0.113.9' }), 0)).toBe(UNKNOWN_PEER);
    delete process.env[PEER_TOKEN_ENV];
    expect(clientAddress(new Headers({ [PEER_HEADER]: ' 203.0.113.9' }), 0)).toBe(UNKNOWN_PEER);
  });

  it('takes the right-most untrusted X-Forwarded-For entry behind N trusted proxies', () => {
    // client → proxy (10.0.0.1) → app: the proxy appended the address it saw.
    expect(clientAddress(served('10.0.0.1', { 'x-forwarded-for': 'spoofed, 203.0.113.7' }), 1)).toBe('203.0.113.7');
    // client → cdn → proxy (10.0.0.2) → app
    expect(clientAddress(served('10.0.0.2', { 'x-forwarded-for': 'spoofed, 198.51.100.2, 10.9.9.9' }), 2)).toBe('198.51.100.2');
    // A request that bypassed the proxy: its socket is the client.
    expect(clientAddress(served('192.0.2.5'), 1)).toBe('192.0.2.5');
    // Not started through our server: the proxy's entry is still right-most.
    expect(clientAddress(new Headers({ 'x-forwarded-for': 'spoofed, 203.0.113.7' }), 1)).toBe('203.0.113.7');
  });

});
