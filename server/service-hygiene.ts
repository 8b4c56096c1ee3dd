// Cross-cutting service hygiene, registered by buildApp before the API routes:
// - security headers and a strict CSP (helmet; HSTS only when serving HTTPS);
// - the per-agent report rate limit (@fastify/rate-limit, keyed by the authenticated host id);
// - the OpenAPI document (/api/v1/openapi.json) and Prometheus metrics (/metrics), both readable
//   with any valid API token (the same credential automation uses; Prometheus sends it with
//   `authorization: {credentials: ...}`), never anonymously: they map the attack surface;
// - /readyz; metrics fed by ingestion; and, on close, draining the group-commit queue.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from './auth/bearer.js';
import { FLEET_READERS } from './auth/roles.js';
import { authenticateApiToken } from './auth/tokens.js';
import { ApiError } from './errors.js';
import { configureIngestion, drainIngestion } from './ingestion/ingestion.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { OPENAPI_PATH, registerOpenApi } from './openapi.js';
import type { RouteContext } from './routes/context.js';
import { readinessRoutes } from './routes/health.js';
import { parseCredential } from './secrets/secrets.js';

export const METRICS_PATH = '/metrics';
export const REPORTS_PATH = '/api/v1/reports';
export const API_VERSION = '0.1.0';

/** Strict CSP for the API and the server-rendered dashboard: same-origin assets only, no inline code, no framing. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

export interface HygieneOptions {
  /** Whether the app is served over HTTPS (HSTS is sent only then). */
  tls: boolean;
  /** Metrics registry; a fresh one by default. */
  metrics?: ServerMetrics;
}

/**
 * The headers helmet sets for these options, computed once. They do not depend on the request
 * (no CSP nonces), and @fastify/helmet rebuilds the middleware, CSP parsing included, on every
 * request: a measurable share of each report's CPU.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/** The security headers of every answer (also those given below Fastify: ./auth/login-front-door.ts). */
export function apiSecurityHeaders(tls: boolean): Record<string, string> {
  return securityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    hsts: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** The host id of the request's agent credential. Runs after authenticateAgent, so it is genuine. */
function agentKey(request: FastifyRequest): string {
  const presented = bearerToken(request);
  const parsed = presented === null ? null : parseCredential(presented);
  return parsed === null ? 'anonymous' : `host:${parsed.id}`;
}

async function requireApiToken(ctx: RouteContext, request: FastifyRequest): Promise<void> {
  const presented = bearerToken(request);
  const token = presented === null ? null : await authenticateApiToken(ctx.db, presented, ctx.now());
  if (token === null) throw new ApiError(401, 'unauthenticated', 'A valid API token is required (Authorization: Bearer ...).');
}

export function registerServiceHygiene(app: FastifyInstance, ctx: RouteContext, options: HygieneOptions): ServerMetrics {
  const metrics = options.metrics ?? createMetrics();

  const headers = apiSecurityHeaders(options.tls);
  const names = Object.keys(headers);
  // onSend: errors (401 from an access check, 404) get the headers too; a route that chose its
  // own value for one of them keeps it.
  app.addHook('onSend', (_request, reply, payload, done) => {
    for (const name of names) if (!reply.hasHeader(name)) reply.header(name, headers[name]);
    done(null, payload);
  });

  const perMinute = ctx.config.reportRateLimitPerMinute;
  if (perMinute > 0) {
    void app.register(rateLimit, {
      global: true,
      max: perMinute,
      timeWindow: 60_000,
      // preParsing runs after the route's onRequest authentication and before the body is read:
      // the key is an authenticated host, and a limited agent costs no parsing.
      hook: 'preParsing',
      allowList: (request) => request.routeOptions.url !== REPORTS_PATH,
      keyGenerator: agentKey,
      errorResponseBuilder: (_request, context) =>
        new ApiError(429, 'rate_limited', `Too many reports from this agent (at most ${context.max} per minute); retry in ${context.after}.`),
    });
  }

  void registerOpenApi(app, API_VERSION);

  configureIngestion(ctx.db, { observer: metrics.ingestionObserver });
  // Graceful shutdown: by now the server accepts nothing new; write what is queued.
  app.addHook('onClose', async () => drainIngestion(ctx.db));

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  void app.register(readinessRoutes, {
    db: ctx.db,
    observe: (seconds) => metrics.databaseDuration.observe({ operation: 'readiness' }, seconds),
  });

  void app.register(async (scope) => {
    scope.addHook('onRequest', async (request) => requireApiToken(ctx, request));
    scope.get(OPENAPI_PATH, { config: { access: { roles: FLEET_READERS } }, schema: { hide: true } }, async () => app.swagger());
    scope.get(METRICS_PATH, { config: { access: { roles: FLEET_READERS } }, schema: { hide: true } }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).send(body);
    });
  });
  return metrics;
}
