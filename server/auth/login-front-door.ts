// The login route's front door: a handler on the raw HTTP(S) server, in front of Fastify, that
// answers the login attempts the source address alone refuses (LoginGuard.refuseEarly: the address
// is locked, or it is suspect while the flood's share of hash slots is taken) with a response built once.
//
// Why below Fastify: a login flood is mostly such refusals. Through Fastify each one cost a request
// and reply object, the routing, every hook (access guard, rate limit, security headers, cookies,
// metrics), an error object and its serialisation, about as much CPU as a genuine report; thousands
// a second kept the event loop busy and genuine logins and reports waited behind them. Here a
// refusal costs one map lookup and one write of a prepared answer, and the body is never read
// (Node discards it, and the connection stays usable).
//
// The answers are those the route gives (same status, error shape, Retry-After and security
// headers); the refusals are counted by the lock cache and journalled once per lock, like the
// route's. The route keeps the same check in its onRequest hook for URL spellings this exact match
// does not catch.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '../errors.js';
import type { LoginGuard } from './login-guard.js';

export const LOGIN_API_PATH = '/api/v1/auth/login';

/** Refusal answers kept (one per status and Retry-After value: a lock lasts at most minutes). */
const ANSWER_CACHE_SIZE = 4096;

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface FrontDoorStats {
  /** Requests answered by the front door since start. */
  readonly refused: number;
}

/** The JSON refusal body the login route gives for this status and wait. */
export function earlyRefusalBody(status: 429 | 503, retryAfterSeconds: number): ReturnType<typeof errorBody> {
  return status === 429
    ? errorBody('login_locked', `Too many failed logins; try again in ${retryAfterSeconds} s.`)
    : errorBody('login_busy', `Too many logins are being checked right now; retry in ${retryAfterSeconds} s.`);
}

/**
 * Wrap Fastify's request handler: POST /api/v1/auth/login from a refused address is answered here,
 * anything else goes on to `next`. `headers` are the security headers every answer carries.
 */
export function loginFrontDoor(guard: LoginGuard, now: () => Date, headers: Readonly<Record<string, string>>, next: RequestHandler): RequestHandler & FrontDoorStats {
  const answers = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
  let refused = 0;
  const answer = (status: 429 | 503, seconds: number) => {
    const key = `${status}:${seconds}`;
    let prepared = answers.get(key);
    if (prepared === undefined) {
      const body = Buffer.from(JSON.stringify(earlyRefusalBody(status, seconds)));
      prepared = {
        status,
        body,
        headers: {
          ...headers,
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
          'retry-after': String(seconds),
          'content-length': String(body.length),
        },
      };
      if (answers.size >= ANSWER_CACHE_SIZE) answers.clear();
      answers.set(key, prepared);
    }
    return prepared;
  };
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method === 'POST' && (request.url === LOGIN_API_PATH || request.url?.startsWith(`${LOGIN_API_PATH}?`) === true)) {
      const refusal = guard.refuseEarly(request.socket.remoteAddress ?? '', now());
      if (refusal !== null) {
        refused += 1;
        const prepared = answer(refusal.status, refusal.retryAfterSeconds);
        response.writeHead(prepared.status, prepared.headers);
        response.end(prepared.body);
        return;
      }
    }
    next(request, response);
  };
  return Object.defineProperty(handler, 'refused', { get: () => refused, enumerable: true }) as RequestHandler & FrontDoorStats;
}
