import type { IncomingMessage } from 'node:http';

export const PEER_HEADER: string;
export const PEER_TOKEN_ENV: string;
export function stampPeerAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, token: string): void;
