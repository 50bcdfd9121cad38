// The web server `npm start` runs (spawned by scripts/start.ts): Next's request handler behind a
// plain Node HTTP server. It exists for one reason: route handlers only see headers, and Next keeps
// whatever X-Forwarded-For the client sent, so the app cannot otherwise learn a request's socket
// address — which the per-address sign-in limit needs (lib/auth/client-address.ts).
//
// Every request gets PEER_HEADER = "<token> <socket address>", overwriting anything the client
// sent. The token is random per process and handed to the app through process.env, so a forged
// header (e.g. when someone runs a bare `next start`) is recognisable and ignored.
//
// Plain JavaScript on purpose: it runs under `node`, not tsx, so no TypeScript loader sits in front
// of Next's own module hooks. tests/unit/auth/client-address.test.ts checks it against the reader.
import crypto from 'node:crypto';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import next from 'next';

export const PEER_HEADER = 'x-studio-peer';
export const PEER_TOKEN_ENV = 'STUDIO_PEER_TOKEN';

/** Overwrites the peer header of an incoming request with its socket address. */
export function stampPeerAddress(req, token) {
  const address = req.socket?.remoteAddress;
  if (address) req.headers[PEER_HEADER] = `${token} ${address}`;
  else delete req.headers[PEER_HEADER];
}

async function main() {
  const dev = process.argv.includes('--dev');
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.HOST ?? '127.0.0.1';
  const token = crypto.randomBytes(32).toString('base64url');
  process.env[PEER_TOKEN_ENV] = token;

  const server = http.createServer();
  const dir = fileURLToPath(new URL('..', import.meta.url));
  const app = next({ dev, dir, hostname, port, httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();
  server.on('request', (req, res) => {
    stampPeerAddress(req, token);
    // As `next start` does: a failing request answers 500 instead of taking the process down.
    handle(req, res).catch((error) => {
      console.error(`[web-server] request for ${req.url} failed:`, error);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('Internal Server Error');
      } else res.destroy();
    });
  });
  server.listen(port, hostname, () => console.log(`▲ Next.js ${dev ? 'dev' : 'production'} server on http://${hostname}:${port}`));
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
      setTimeout(() => process.exit(0), 5000).unref();
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error('[web-server] failed to start:', error);
    process.exit(1);
  });
}
