// Every registered route, called by every kind of caller, answers as ONE declared table says.
// Routes are enumerated from Fastify (onRoute), so a new route that is not in EXPECTED fails here.
import t from 'tap';
import { buildApp } from '../../server/app.js';
import type { Role } from '../../server/auth/roles.js';
import { createApiToken } from '../../server/auth/tokens.js';
import { STATIC_PREFIX } from '../../server/dashboard/static-assets.js';
import { fullSession, setupSession, type TestSession } from './auth/helpers.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, TEST_NOW, testConfig } from './fixture.js';

const CALLERS = ['none', 'agent', 'token:auditor', 'token:technician', 'admin', 'rssi', 'auditor', 'technician', 'vendor', 'biomedical', 'setup', 'token:log-shipper'] as const;
type Caller = (typeof CALLERS)[number];
/** 'ok' = the guard lets it through (the handler may still answer 2xx, 400, 404, 409...). */
type Outcome = 'ok' | 401 | 403 | 303;

const USERS: (Role & Caller)[] = ['admin', 'rssi', 'auditor', 'technician', 'vendor', 'biomedical'];

/** Outcome by caller for each kind of access. */
function table(allowed: readonly Caller[], otherwise: (c: Caller) => Outcome): Record<Caller, Outcome> {
  return Object.fromEntries(CALLERS.map((c) => [c, allowed.includes(c) ? 'ok' : otherwise(c)])) as Record<Caller, Outcome>;
}
const unauthenticated = (c: Caller): Outcome => (c === 'none' || c === 'agent' ? 401 : 403);

const PUBLIC = table(CALLERS, () => 401);
// Agent routes authenticate the agent credential themselves: any other caller is unauthenticated.
const AGENT = table(['agent'], () => 401);
const FLEET = table(['token:auditor', 'token:technician', 'admin', 'rssi', 'auditor', 'technician', 'biomedical'], unauthenticated);
const AUDIT_READERS = table(['token:auditor', 'rssi', 'auditor'], unauthenticated);
const ADMIN_SESSION = table(['admin'], unauthenticated);
const RSSI_SESSION = table(['rssi'], unauthenticated);
const AUDITLOG_READERS = table(['token:auditor', 'admin', 'rssi', 'auditor'], unauthenticated);
const SETUP_SESSION = table(['admin', 'rssi', 'auditor', 'technician', 'vendor', 'biomedical', 'setup'], unauthenticated);
const ANYONE_SIGNED_IN = table(['token:auditor', 'token:technician', 'token:log-shipper', 'admin', 'rssi', 'auditor', 'technician', 'vendor', 'biomedical', 'setup'], unauthenticated);
// /metrics and the OpenAPI document: the guard admits fleet readers, then the hygiene hook wants an API token.
const BASTION_READERS = table(['token:auditor', 'admin', 'rssi', 'biomedical', 'auditor'], unauthenticated);
const BASTION_RECORDING_READERS = table(['admin', 'rssi', 'biomedical', 'auditor'], unauthenticated);
const BASTION_CUTTERS = table(['admin', 'rssi', 'biomedical'], unauthenticated);
const ACCESS_READERS = table(['admin', 'rssi', 'biomedical', 'auditor', 'technician', 'vendor'], unauthenticated);
const ACCESS_REQUESTERS = table(['admin', 'rssi', 'biomedical', 'technician', 'vendor'], unauthenticated);
const ACCESS_REVIEWERS = table(['admin', 'rssi', 'biomedical'], unauthenticated);
const ACCESS_DIRECTORY = table(['admin', 'rssi', 'biomedical', 'auditor'], unauthenticated);
const TOKEN_READERS = table(['token:auditor', 'token:technician'], (c) => (c === 'vendor' || c === 'setup' || c === 'token:log-shipper' ? 403 : 401));
// The proxy-log route: only an API token of the log-shipper role (issue 18).
const LOG_SHIPPER = table(['token:log-shipper'], unauthenticated);

// Dashboard pages answer as pages: signed-out callers and setup sessions are redirected (303, to
// the sign-in page or their account page); API tokens and other roles get a 403 page.
const pageTable = (allowed: readonly Caller[]) => table(allowed, (c) => (c === 'none' || c === 'agent' || c === 'setup' ? 303 : 403));
const PAGE_FLEET = pageTable(['admin', 'rssi', 'auditor', 'technician', 'biomedical']);
const PAGE_SETUP = table(['admin', 'rssi', 'auditor', 'technician', 'vendor', 'biomedical', 'setup'], (c) => (c === 'none' || c === 'agent' ? 303 : 403));

const EXPECTED: Record<string, Record<Caller, Outcome>> = {
  'GET /api/v1/access/targets': ACCESS_READERS,
  'GET /api/v1/access/targets/:id': ACCESS_READERS,
  'POST /api/v1/access/targets': ADMIN_SESSION,
  'GET /api/v1/access/vendors': ACCESS_DIRECTORY,
  'POST /api/v1/access/vendors': ADMIN_SESSION,
  'POST /api/v1/access/vendors/:id/members': ADMIN_SESSION,
  'GET /api/v1/access/keys': ACCESS_REQUESTERS,
  'POST /api/v1/access/keys': ACCESS_REQUESTERS,
  'POST /api/v1/access/keys/:id/remove': ACCESS_REQUESTERS,
  'GET /api/v1/access/requests': ACCESS_READERS,
  'POST /api/v1/access/requests': ACCESS_REQUESTERS,
  'GET /api/v1/access/requests/:id': ACCESS_READERS,
  'POST /api/v1/access/requests/:id/reviews': ACCESS_REVIEWERS,
  'POST /api/v1/access/requests/:id/cancel': ACCESS_REQUESTERS,
  'POST /api/v1/access/requests/:id/revoke': ACCESS_REVIEWERS,
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': TOKEN_READERS,
  'GET /api/v1/openapi.json': TOKEN_READERS,
  'POST /api/v1/enroll': PUBLIC,
  'POST /api/v1/reports': AGENT,
  'GET /api/v1/agent/config': AGENT,
  'GET /api/v1/hosts': FLEET,
  'GET /api/v1/hosts/:id/verdicts': FLEET,
  'GET /api/v1/audits': AUDIT_READERS,
  'GET /api/v1/audits/:id': AUDIT_READERS,
  'GET /api/v1/waivers': AUDIT_READERS,
  'POST /api/v1/waivers': RSSI_SESSION,
  'POST /api/v1/waivers/:id/revoke': RSSI_SESSION,
  'GET /api/v1/org/declarations': AUDIT_READERS,
  'GET /api/v1/org/verdicts': AUDIT_READERS,
  'POST /api/v1/org/declarations': RSSI_SESSION,
  'POST /api/v1/org/declarations/:id/withdraw': RSSI_SESSION,
  'GET /api/v1/auditlog': AUDITLOG_READERS,
  'GET /api/v1/auditlog/verify': AUDITLOG_READERS,
  'POST /api/v1/auth/login': PUBLIC,
  'GET /api/v1/auth/me': ANYONE_SIGNED_IN,
  'POST /api/v1/auth/mfa/enroll': SETUP_SESSION,
  'POST /api/v1/auth/mfa/confirm': SETUP_SESSION,
  'POST /api/v1/auth/password': SETUP_SESSION,
  'GET /api/v1/users': ADMIN_SESSION,
  'POST /api/v1/users': ADMIN_SESSION,
  'POST /api/v1/users/:username/disable': ADMIN_SESSION,
  'POST /api/v1/users/:username/reset-mfa': ADMIN_SESSION,
  'GET /api/v1/apitokens': ADMIN_SESSION,
  'POST /api/v1/apitokens/:id/revoke': ADMIN_SESSION,
  'GET /api/v1/enrollment-tokens': ADMIN_SESSION,
  'POST /api/v1/enrollment-tokens/:id/revoke': ADMIN_SESSION,
  'GET /api/v1/bastion/sessions': BASTION_READERS,
  'GET /api/v1/bastion/sessions/:id': BASTION_READERS,
  'POST /api/v1/bastion/sessions/:id/cut': BASTION_CUTTERS,
  'GET /api/v1/bastion/sessions/:id/recording/:file': BASTION_RECORDING_READERS,
  'GET /api/v1/bastion/sessions/:id/events': BASTION_CUTTERS,
  // Dashboard (server/dashboard/): static files, sign-in, account pages, then one line per page.
  [`GET ${STATIC_PREFIX}*`]: PUBLIC,
  'GET /': PUBLIC,
  'GET /lang/:lang': PUBLIC,
  'GET /login': PUBLIC,
  'POST /login': PUBLIC,
  'GET /account': PAGE_SETUP,
  'POST /account/mfa': PAGE_SETUP,
  'POST /account/mfa/confirm': PAGE_SETUP,
  'GET /account/password': PAGE_SETUP,
  'POST /account/password': PAGE_SETUP,
  'GET /overview': PAGE_FLEET,
  'GET /sites': PAGE_FLEET,
  'GET /hosts': PAGE_FLEET,
  'GET /hosts/export.csv': PAGE_FLEET,
  'GET /hosts/export.json': PAGE_FLEET,
  'GET /hosts/:id': PAGE_FLEET,
  'GET /hosts/bulk-waiver': pageTable(['rssi']),
  'POST /hosts/bulk-waiver': pageTable(['rssi']),
  'GET /rules': PAGE_FLEET,
  'GET /rules/:id': PAGE_FLEET,
  'GET /trends': PAGE_FLEET,
  'GET /waivers': pageTable(['rssi', 'auditor', 'technician']),
  'POST /waivers': pageTable(['rssi']),
  'POST /waivers/:id/revoke': pageTable(['rssi']),
  'GET /audits': pageTable(['rssi', 'auditor']),
  'GET /audits/:id': pageTable(['rssi', 'auditor']),
  'GET /sessions': pageTable(['admin', 'rssi', 'biomedical', 'auditor']),
  'GET /sessions/:id': pageTable(['admin', 'rssi', 'biomedical', 'auditor']),
  'POST /sessions/:id/cut': pageTable(['admin', 'rssi', 'biomedical']),
  // "Mes séances" (server/dashboard/pages/vendor-sessions.tsx): a vendor's own sessions only.
  'GET /my-sessions': pageTable(['vendor']),
  'GET /my-sessions/:id': pageTable(['vendor']),
  'GET /my-sessions/:id/recording/:file': pageTable(['vendor']),
  // Page 9, Télémaintenance (server/dashboard/pages/access*.tsx): readers, requesters, reviewers as the access API.
  'GET /access': pageTable(['admin', 'rssi', 'biomedical', 'auditor', 'technician', 'vendor']),
  'GET /access/requests/:id': pageTable(['admin', 'rssi', 'biomedical', 'auditor', 'technician', 'vendor']),
  'POST /access/requests/:id/review': pageTable(['admin', 'rssi', 'biomedical']),
  'POST /access/requests/:id/countersign': pageTable(['admin', 'rssi', 'biomedical']),
  'POST /access/requests/:id/revoke': pageTable(['admin', 'rssi', 'biomedical']),
  'POST /access/requests/:id/cancel': pageTable(['admin', 'rssi', 'biomedical', 'technician', 'vendor']),
  'GET /access/new': pageTable(['admin', 'rssi', 'biomedical', 'technician', 'vendor']),
  'POST /access/requests': pageTable(['admin', 'rssi', 'biomedical', 'technician', 'vendor']),
  'GET /access/keys': pageTable(['admin', 'rssi', 'biomedical', 'technician', 'vendor']),
  'POST /access/keys': pageTable(['admin', 'rssi', 'biomedical', 'technician', 'vendor']),
  'POST /access/keys/:id/remove': pageTable(['admin', 'rssi', 'biomedical', 'technician', 'vendor']),
  'GET /access/targets': pageTable(['admin', 'rssi', 'biomedical', 'auditor', 'technician']),
  'GET /audit-log': pageTable(['admin', 'rssi', 'auditor']),
  'GET /audit-log/export.csv': pageTable(['admin', 'rssi', 'auditor']),
  'GET /audit-log/export.json': pageTable(['admin', 'rssi', 'auditor']),
  'GET /care': pageTable(['rssi', 'auditor']),
  'POST /care/declarations': pageTable(['rssi']),
  'POST /care/declarations/:id/withdraw': pageTable(['rssi']),
  // Page 8, Destinations (server/dashboard/pages/destinations.tsx): fleet readers read and export; the RSSI decides.
  'GET /destinations': PAGE_FLEET,
  'GET /destinations/export.csv': PAGE_FLEET,
  'GET /destinations/export.json': PAGE_FLEET,
  'POST /destinations/learning': pageTable(['rssi']),
  'POST /destinations/learning/:id/close': pageTable(['rssi']),
  'POST /destinations/proposals/:id/approve': pageTable(['rssi']),
  'POST /destinations/proposals/:id/reject': pageTable(['rssi']),
  'GET /users': pageTable(['admin']),
  'POST /users': pageTable(['admin']),
  'POST /users/:username/disable': pageTable(['admin']),
  'POST /users/:username/reset-mfa': pageTable(['admin']),
  'POST /users/:username/role': pageTable(['admin']),
  'POST /users/:username/unlock': pageTable(['admin']),
  'GET /api/v1/inventory': FLEET,
  'GET /api/v1/inventory/export': FLEET,
  'GET /api/v1/inventory/coverage': FLEET,
  'POST /api/v1/inventory/proxy-log': LOG_SHIPPER,
  'GET /api/v1/learning': FLEET,
  'POST /api/v1/learning': RSSI_SESSION,
  'POST /api/v1/learning/:id/close': RSSI_SESSION,
  'GET /api/v1/learning/proposals': FLEET,
  'POST /api/v1/learning/proposals/:id/approve': RSSI_SESSION,
  'POST /api/v1/learning/proposals/:id/reject': RSSI_SESSION,
  // Last: they end the calling session.
  'POST /logout': PAGE_SETUP,
  'POST /api/v1/auth/logout': SETUP_SESSION,
};

/** Routes that end the calling session. */
const ENDS_SESSION = new Set(['POST /logout', 'POST /api/v1/auth/logout']);

/** A concrete URL for a route pattern (params that name nothing: handlers answer 404, never change data). */
function concrete(url: string): string {
  return url.replace(':id', '00000000-0000-4000-8000-000000000000').replace(':username', 'nobody-here');
}

for (const kind of DB_KINDS) {
  t.test(`authorization matrix (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    const routes = new Set<string>();
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD' && method !== 'OPTIONS') routes.add(`${method} ${route.url}`);
    });
    t.teardown(() => app.close());
    await app.ready();

    // A route added on the root instance before the hook above would escape onRoute: the router's
    // own list (every method of every path) must hold exactly as many routes as were enumerated.
    const routerMethods = app
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .flatMap((line) => /\(([A-Z, ]+)\)\s*$/.exec(line)?.[1]?.split(', ') ?? [])
      .filter((method) => method !== 'HEAD' && method !== 'OPTIONS');
    t.equal(routerMethods.length, routes.size, 'the router holds no route the enumeration missed');
    const unlisted = [...routes].filter((r) => !(r in EXPECTED));
    t.same(unlisted, [], 'every registered route is in the matrix');
    const stale = Object.keys(EXPECTED).filter((r) => !routes.has(r));
    t.same(stale, [], 'every route in the matrix is registered');

    const db = database.db;
    const host = await enrollHost(app, db);
    const sessions = new Map<Caller, TestSession>();
    // Routes that end the calling session get fresh sessions (new users) before they run.
    let generation = 0;
    async function openSessions(): Promise<void> {
      generation += 1;
      for (const role of USERS) sessions.set(role, await fullSession(app, db, `m${generation}-${role}`, role, TEST_NOW));
      sessions.set('setup', await setupSession(app, db, `m${generation}-setup`, 'technician', TEST_NOW));
    }
    await openSessions();
    const tokens = new Map<Caller, string>([
      ['token:auditor', (await createApiToken(db, { name: 'm-a', scope: 'auditor', now: TEST_NOW })).token],
      ['token:technician', (await createApiToken(db, { name: 'm-t', scope: 'technician', now: TEST_NOW })).token],
      ['token:log-shipper', (await createApiToken(db, { name: 'm-l', scope: 'log-shipper', now: TEST_NOW })).token],
    ]);

    const order = Object.keys(EXPECTED).filter((r) => routes.has(r));
    for (const route of order) {
      const [method, url] = route.split(' ') as [string, string];
      if (ENDS_SESSION.has(route) && route !== order.find((r) => ENDS_SESSION.has(r))) await openSessions();
      for (const caller of CALLERS) {
        const session = sessions.get(caller);
        const token = tokens.get(caller);
        const headers: Record<string, string> = caller === 'agent' ? bearer(host.credential) : token !== undefined ? bearer(token) : { ...session?.headers };
        const response = await app.inject({
          method: method as 'GET' | 'POST',
          url: concrete(url),
          headers,
          ...(session === undefined ? {} : { cookies: session.cookies }),
          ...(method === 'POST' ? { payload: {} } : {}),
        });
        const expected = EXPECTED[route]?.[caller];
        const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
        const label = `${route} as ${caller} -> ${response.statusCode} ${response.statusCode >= 400 && isJson ? (response.json() as { error: { code: string } }).error.code : ''}`;
        if (expected === 'ok') t.ok(response.statusCode !== 401 && response.statusCode !== 403 && response.statusCode < 500, label);
        else t.equal(response.statusCode, expected, label);
      }
    }
  });
}
