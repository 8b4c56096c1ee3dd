// buildApp: the Fastify instance with its validation, error format, logging and routes; no listen().
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_ROLES } from '../policies/evidence.js';
import { loadShippedPacks, loadSiteOverlayDirectory, packFor, type Pack, type SiteOverlay } from '../policies/pack.js';
import type { ServerConfig } from './config.js';
import type { Database } from './db/schema.js';
import { loadAgentPolicy } from './agents/agent-policy.js';
import { errorBody } from './errors.js';
import { handleError } from './error-handler.js';
import { clientErrorHandler, routerRefusals } from './client-errors.js';
import { loggerOptions } from './logger.js';
import { openSecretsKey, type SecretsKey } from './secrets/secrets-key.js';
import type { RouteContext } from './routes/context.js';
import { agentConfigRoutes } from './routes/agent-config.js';
import { auditRoutes } from './routes/audits.js';
import { enrollRoutes } from './routes/enroll.js';
import { healthRoutes } from './routes/health.js';
import { hostRoutes } from './routes/hosts.js';
import { reportRoutes } from './routes/reports.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { waiverRoutes } from './routes/waivers.js';
import { auditLogRoutes } from './routes/auditlog.js';
import { tokenRoutes } from './routes/tokens.js';
import { inventoryRoutes } from './routes/inventory.js';
import { learningRoutes } from './routes/learning.js';
import { orgRoutes } from './routes/org.js';
import { installAccessGuard } from './auth/guard.js';
import cookie from '@fastify/cookie';
import { apiSecurityHeaders, registerServiceHygiene } from './service-hygiene.js';
import { bastionRoutes, type BastionRouteDeps } from './routes/bastion.js';
import { accessRoutes } from './access/routes.js';
import type { AccessNotifier } from './access/notices.js';
import { defaultBastionRouteDeps } from './bastion/route-deps.js';
import { dashboardPlugin } from './dashboard/dashboard.js';
import type { AccessPageContext } from './dashboard/pages/access-context.js';
import { LoginGuard } from './auth/login-guard.js';
import { limitConnections, serverTimeouts } from './http-limits.js';
import { loginFrontDoor, type RequestHandler } from './auth/login-front-door.js';
import { useStrictJsonParser } from './strict-json.js';
import { refuseUnstorableInput } from './storable-input.js';
import http from 'node:http';
import https from 'node:https';

export interface AppDeps {
  db: Database;
  config: ServerConfig;
  /** A pino logger (see createLogger); by default one is made at config.logLevel. */
  logger?: FastifyBaseLogger;
  /** Policy packs by name; by default the shipped packs. */
  packs?: Map<string, Pack>;
  /** Site overlays by site; by default those in `<dataDir>/overlays/`. */
  overlays?: ReadonlyMap<string, SiteOverlay>;
  /** The clock (tests pin it). */
  now?: () => Date;
  /** Serve HTTPS with this PEM certificate and key (server/tls.ts finds them). */
  https?: { cert: Buffer; key: Buffer };
  /** The server secrets key; by default the one of config (server/secrets/secrets-key.ts openSecretsKey). */
  secretsKey?: SecretsKey;
  /** The SSH bastion's recordings and live events; by default the data dir's recordings, no live stream. */
  bastion?: BastionRouteDeps;
  /** Where access-request notices go (email, webhook, syslog: server/access/notify-access.ts); none by default. */
  accessNotifier?: AccessNotifier;
  /** The hash gate and lock cache of password checks; by default a new one (server/auth/login-guard.ts). */
  loginGuard?: LoginGuard;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * The site overlays an RSSI put in `<dataDir>/overlays/` (none if the folder does not exist).
 * Each is applied to every role pack now, so a bad file stops the server at start with its
 * path and reason instead of failing the first report of that site.
 */
export function loadSiteOverlays(dataDir: string, packs: Map<string, Pack>): ReadonlyMap<string, SiteOverlay> {
  const dir = join(dataDir, 'overlays');
  if (!existsSync(dir)) return new Map();
  const overlays = loadSiteOverlayDirectory(dir);
  for (const site of overlays.keys()) for (const role of HOST_ROLES) packFor(role, site, packs, overlays);
  return overlays;
}

/** What Fastify's own factory does for HTTP/1.1 (server/lib/server.js), around `handler`. */
function createRawServer(handler: RequestHandler, config: ServerConfig, tls: AppDeps['https'], options: Record<string, unknown>): http.Server {
  const server = tls === undefined ? http.createServer(serverTimeouts(config).http, handler) : https.createServer({ ...tls, ...serverTimeouts(config).http }, handler);
  if (typeof options.keepAliveTimeout === 'number') server.keepAliveTimeout = options.keepAliveTimeout;
  if (typeof options.connectionTimeout === 'number') server.setTimeout(options.connectionTimeout);
  server.requestTimeout = config.requestTimeoutMs;
  return server;
}

export function buildApp(deps: AppDeps): App {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const loginGuard = deps.loginGuard ?? new LoginGuard();
  const base = {
    bodyLimit: config.bodyLimit,
    // Requests carry no secrets in URLs, but bound them anyway.
    routerOptions: { maxParamLength: 128, ...routerRefusals },
    // Unparseable HTTP, oversized headers, timeouts: Vigie's error shape, no raw bytes logged.
    clientErrorHandler,
    // JSON bodies with __proto__ / constructor.prototype are refused (the default is the same; explicit).
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Slow requests are cut (408); see ./http-limits.ts.
    ...serverTimeouts(config),
    // node's https.Server answers requests like http.Server; the instance type stays the default one.
    ...(deps.https === undefined ? {} : { https: { ...deps.https, ...serverTimeouts(config).http } as unknown as null }),
    // The server is made here to put the login route's front door before Fastify's handler.
    serverFactory: (handler: RequestHandler, options: Record<string, unknown>) =>
      createRawServer(loginFrontDoor(loginGuard, now, apiSecurityHeaders(deps.https !== undefined), handler), config, deps.https, options),
  } as const;
  const fastify =
    deps.logger === undefined
      ? Fastify({ ...base, logger: loggerOptions(config.logLevel) })
      : Fastify({ ...base, loggerInstance: deps.logger });

  const app: App = fastify.withTypeProvider<TypeBoxTypeProvider>();
  limitConnections(app.server, config, app.log);
  // TypeBox validates with the same schemas that type the code; unknown fields are refused,
  // never silently stripped (Ajv's Fastify default would remove them).
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler(handleError);
  // The API speaks JSON only: any other body is answered 415 rather than half-parsed.
  app.removeContentTypeParser('text/plain');
  // JSON bodies must be UTF-8 and name each key once (server/strict-json.ts).
  useStrictJsonParser(app);
  // No NUL or lone surrogate in any string of any request (server/storable-input.ts).
  refuseUnstorableInput(app);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('not_found', `No route for ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}.`));
  });

  const packs = deps.packs ?? loadShippedPacks();
  const ctx: RouteContext = {
    db: deps.db,
    config,
    packs,
    overlays: deps.overlays ?? loadSiteOverlays(config.dataDir, packs),
    // Read once at start: a bad file stops the server with its path and reason.
    agentPolicy: loadAgentPolicy(config.dataDir),
    secretsKey: deps.secretsKey ?? openSecretsKey(config),
    now,
    loginGuard,
  };
  // Every route declares config.access; this one hook enforces it (server/auth/guard.ts).
  void app.register(cookie);
  installAccessGuard(app, ctx);
  // Before the routes: headers, rate limit, OpenAPI, metrics, /readyz (server/service-hygiene.ts).
  registerServiceHygiene(app, ctx, { tls: deps.https !== undefined });
  void app.register(healthRoutes);
  void app.register(enrollRoutes, ctx);
  void app.register(reportRoutes, ctx);
  void app.register(agentConfigRoutes, ctx);
  void app.register(auditRoutes, ctx);
  void app.register(hostRoutes, ctx);
  void app.register(authRoutes, ctx);
  void app.register(userRoutes, ctx);
  void app.register(waiverRoutes, ctx);
  void app.register(auditLogRoutes, ctx);
  void app.register(tokenRoutes, ctx);
  void app.register(bastionRoutes(deps.bastion ?? defaultBastionRouteDeps(config.dataDir)), ctx);
  void app.register(accessRoutes, { ...ctx, notifier: deps.accessNotifier });
  // Page 9's forms announce their decisions like the API does (same notifier).
  const dashboardCtx: AccessPageContext = { ...ctx, accessNotifier: deps.accessNotifier };
  void app.register(dashboardPlugin, dashboardCtx);
  void app.register(inventoryRoutes, ctx);
  void app.register(learningRoutes, ctx);
  void app.register(orgRoutes, ctx);
  return app;
}
