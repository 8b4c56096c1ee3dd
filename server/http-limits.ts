// Limits of the HTTP(S) server itself, below Fastify's routes, against clients that hold
// connections open for nothing (slowloris):
// - the request line and headers must arrive within headersTimeoutMs, and the whole request (body
//   included) within requestTimeoutMs; Node checks every connection each
//   CONNECTIONS_CHECKING_INTERVAL_MS and answers a late one 408 and closes it (client-errors.ts
//   gives the answer Vigie's error shape). Fastify sets requestTimeout to 0 (never) by default.
//   Responses are not limited: the bastion's live event stream stays open as long as it is read.
// - at most maxConnectionsPerAddress connections from one client address at once: a further one
//   is closed as soon as it is accepted (before TLS), so one address cannot take every socket.
//   Counted per process, on the raw TCP connection.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from './config.js';

/** How often Node looks for requests past their time (its default, 30 s, would let them last 30 s more). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/** A refused address is logged at most this often. */
const REFUSAL_LOG_EVERY_MS = 60_000;

/** Options of http(s).createServer and of Fastify's factory for these limits. */
export function serverTimeouts(config: Pick<ServerConfig, 'requestTimeoutMs' | 'headersTimeoutMs'>) {
  return {
    requestTimeout: config.requestTimeoutMs,
    http: { connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS, headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs },
  };
}

export interface ConnectionLimit {
  /** Connections open now from `address`. */
  openFrom(address: string): number;
  /** Connections refused since start. */
  readonly refused: number;
}

/**
 * Count connections per remote address on `server` and close those beyond `max` at once. The
 * timeouts are set again on the instance: https.createServer does not take them from Fastify.
 */
export function limitConnections(server: Server, config: Pick<ServerConfig, 'requestTimeoutMs' | 'headersTimeoutMs' | 'maxConnectionsPerAddress'>, log: FastifyBaseLogger): ConnectionLimit {
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;
  const open = new Map<string, number>();
  const lastLogged = new Map<string, number>();
  let refused = 0;
  const max = config.maxConnectionsPerAddress;
  server.on('connection', (socket: Socket) => {
    if (max === 0) return;
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      refused += 1;
      const now = Date.now();
      if ((lastLogged.get(address) ?? 0) + REFUSAL_LOG_EVERY_MS <= now) {
        if (lastLogged.size > 10_000) lastLogged.clear();
        lastLogged.set(address, now);
        log.warn({ source_ip: address, open: count, max }, 'too many connections from one address: further ones are closed');
      }
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return {
    openFrom: (address) => open.get(address) ?? 0,
    get refused() {
      return refused;
    },
  };
}
