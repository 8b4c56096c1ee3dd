// The one access guard. Every route declares who may call it in its config:
//   config: { access: { public: true } }                         anyone (health, login, enrollment)
//   config: { access: { agent: true } }                          an enrolled agent; the route checks its credential
//   config: { access: { roles: ['admin'], tokens?: false, setup?: true } }
//     a user session or an API token acting with one of `roles`; `tokens: false` refuses API tokens;
//     `setup: true` also admits a session that has not finished its setup (MFA enrolment,
//     initial password change), which every other route refuses.
// One onRequest hook enforces it for every route; a route that declares nothing is refused (fail
// closed) and the authorization matrix test fails on it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiToken, type ApiTokenRecord } from './tokens.js';
import type { SessionStage } from '../db/sessions.js';
import { publicUser, type UserRecord } from '../db/users.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import type { AuditActor } from '../auditlog/auditlog.js';
import { bearerToken } from './bearer.js';
import type { Role } from './roles.js';
import { CSRF_HEADER, csrfFormTokenMatches, csrfTokenMatches, isFormPost, presentedSessionId, resolveSession } from './session.js';

export type RouteAccess =
  | { public: true }
  | { agent: true }
  | { roles: readonly Role[]; tokens?: boolean; setup?: boolean };

export type Principal =
  | { kind: 'user'; user: UserRecord; role: Role; session_hash: string; csrf_hash: string; stage: SessionStage }
  | { kind: 'token'; token: ApiTokenRecord; role: Role };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who is calling, set by the access guard on routes with `roles` access; null otherwise. */
    principal: Principal | null;
    /** A browser form post whose CSRF token is in its body: checked once the body is parsed. */
    csrfFromForm: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The principal of a guarded route's request (throws if the route is not role-guarded). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('principalOf: this route is not guarded by roles');
  return request.principal;
}

/** The audit-log actor for a request's principal. */
export function actorOf(principal: Principal): AuditActor {
  return principal.kind === 'user' ? { type: 'user', id: principal.user.username } : { type: 'user', id: `api_token:${principal.token.token_id}` };
}

async function authenticate(db: Database, request: FastifyRequest, now: Date): Promise<Principal> {
  // An Authorization header wins and is never second-guessed by a cookie.
  if (request.headers.authorization !== undefined) {
    const presented = bearerToken(request);
    const token = presented === null ? null : await authenticateApiToken(db, presented, now);
    if (token === null) throw new ApiError(401, 'unauthenticated', 'The API token is invalid, expired or revoked.');
    return { kind: 'token', token, role: token.scope };
  }
  const sessionId = presentedSessionId(request);
  if (sessionId === null) throw new ApiError(401, 'unauthenticated', 'Log in (session cookie) or present an API token (Authorization: Bearer ...).');
  const active = await resolveSession(db, sessionId, now);
  if (active === null) throw new ApiError(401, 'unauthenticated', 'The session has expired or ended; log in again.');
  const { session, user } = active;
  return { kind: 'user', user: publicUser(user), role: user.role, session_hash: session.session_hash, csrf_hash: session.csrf_hash, stage: session.stage };
}

export function installAccessGuard(app: FastifyInstance, deps: { db: Database; now: () => Date }): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access === undefined) {
      request.log.error({ url: request.routeOptions.url }, 'route declares no access policy; refused');
      throw new ApiError(403, 'forbidden', 'This route declares no access policy.');
    }
    if ('public' in access || 'agent' in access) return;
    const principal = await authenticate(deps.db, request, deps.now());
    if (principal.kind === 'token' && access.tokens === false) {
      throw new ApiError(403, 'forbidden', 'API tokens may not call this route; log in as a user.');
    }
    if (principal.kind === 'user') {
      if (principal.stage !== 'full' && access.setup !== true) {
        throw new ApiError(403, 'setup_required', 'Finish your account setup first (enrol MFA, change the initial password).');
      }
      if (!SAFE_METHODS.has(request.method)) {
        // An HTML form cannot set a header: its token travels in the body (field _csrf), which is
        // not parsed yet; the preValidation hook below checks it before anything else runs.
        if (request.headers[CSRF_HEADER] === undefined && isFormPost(request)) request.csrfFromForm = true;
        else if (!csrfTokenMatches(request, principal.csrf_hash)) {
          throw new ApiError(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header for this session.');
        }
      }
    }
    if (!access.roles.includes(principal.role)) {
      throw new ApiError(403, 'forbidden', `The ${principal.role} role may not call this route.`);
    }
    request.principal = principal;
  });
  app.decorateRequest('csrfFromForm', false);
  app.addHook('preValidation', async (request) => {
    if (!request.csrfFromForm) return;
    const principal = request.principal;
    if (principal === null || principal.kind !== 'user' || !csrfFormTokenMatches(request.body, principal.csrf_hash)) {
      throw new ApiError(403, 'csrf_invalid', 'Missing or wrong CSRF token (form field _csrf) for this session.');
    }
  });
}
