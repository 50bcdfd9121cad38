import crypto from 'node:crypto';
import net from 'node:net';
import { UserFacingError } from '@/lib/errors';

// Must match scripts/web-server.mjs, which stamps every request (tests/unit/auth checks the pair).
const PEER_HEADER = 'x-studio-peer';
const PEER_TOKEN_ENV = 'STUDIO_PEER_TOKEN';

/**
 * The bucket for requests whose socket address is unknown: the app was not started through
 * scripts/web-server.mjs (e.g. a bare `next start`) and no proxy is trusted. Everyone shares it,
 * which is safe (a client cannot rotate it) but lets one abuser slow everyone's sign-in.
 */
export const UNKNOWN_PEER = 'unknown-peer';

let warnedUnknownPeer = false;

export function trustedProxyHops(): number {
  const hops = Number(process.env.TRUST_PROXY_HOPS ?? 0);
  if (!Number.isInteger(hops) || hops < 0) throw new UserFacingError(`TRUST_PROXY_HOPS must be a whole number ≥ 0 (got "${process.env.TRUST_PROXY_HOPS}").`);
  return hops;
}

function normaliseAddress(address: string): string {
  const trimmed = address.trim().slice(0, 100);
  // "::ffff:10.0.0.1" (IPv4 on a dual-stack socket) and "10.0.0.1" are the same client.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1] : trimmed.toLowerCase();
}

/** The socket address stamped by our web server, or null when the stamp is absent or forged. */
function socketAddress(headers: Headers): string | null {
  const stamp = headers.get(PEER_HEADER);
  const token = process.env[PEER_TOKEN_ENV];
  if (!stamp || !token) return null;
  const space = stamp.indexOf(' ');
  const given = Buffer.from(stamp.slice(0, Math.max(space, 0)));
  const expected = Buffer.from(token);
  if (space < 0 || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  const address = normaliseAddress(stamp.slice(space + 1));
  return net.isIP(address) ? address : null;
}

/**
 * The client's address for the per-address sign-in limit. Without trusted proxies
 * (TRUST_PROXY_HOPS=0, the default) it is the socket address and X-Forwarded-For is ignored:
 * anyone can write that header. With N trusted proxies in front, each appends the address it
 * saw, so the client is the N-th entry from the right of [...X-Forwarded-For, socket]; entries
 * further left were written by the client and are ignored.
 */
export function clientAddress(headers: Headers, hops = trustedProxyHops()): string {
  const socket = socketAddress(headers);
  if (hops > 0) {
    const forwarded = (headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // Without the stamp the socket (the nearest proxy) is missing from the chain; it is never
    // the answer when hops > 0, so the index from the right stays the same.
    const chain = socket ? [...forwarded, socket] : [...forwarded, ''];
    const picked = chain[Math.max(0, chain.length - 1 - hops)];
    if (picked) return normaliseAddress(picked);
  }
  if (socket) return socket;
  if (!warnedUnknownPeer) {
    warnedUnknownPeer = true;
    console.warn(
      '[auth] The socket address of requests is unknown (start the app with `npm start`, or set TRUST_PROXY_HOPS behind a proxy); all clients share one per-address sign-in limit.',
    );
  }
  return UNKNOWN_PEER;
}
