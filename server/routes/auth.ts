// /api/v1/auth: login (password + TOTP or recovery code), logout, who am I, MFA enrolment, and
// changing one's own password. Sessions are cookies; see ../auth/session.ts for CSRF.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { UsernameSchema } from '../auth/accounts.js';
import { changeOwnPassword } from '../auth/password-change.js';
import { actorOf, principalOf, type Principal } from '../auth/guard.js';
import { beginTotpEnrolment, confirmTotpEnrolment, login, stageOf } from '../auth/login.js';
import { LOGIN_SWEEP_MS } from '../auth/login-guard.js';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords.js';
import { ALL_ROLES, RoleSchema } from '../auth/roles.js';
import { clearSessionCookies, setSessionCookies } from '../auth/session.js';
import { deleteSession, setSessionStage } from '../db/sessions.js';
import { findUserById, publicUser, type UserCredentials } from '../db/users.js';
import { ApiError } from '../errors.js';
import { earlyRefusalBody } from '../auth/login-front-door.js';
import { errorResponses, type RouteContext } from './context.js';

const strict = { additionalProperties: false } as const;
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 });

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Password,
    totp_code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    recovery_code: Type.Optional(Type.String({ minLength: 16, maxLength: 32 })),
  },
  strict,
);

export const UserView = Type.Object(
  {
    user_id: Type.String(),
    username: Type.String(),
    role: RoleSchema,
    mfa_enabled: Type.Boolean(),
    password_must_change: Type.Boolean(),
    created_at: Type.String(),
    disabled_at: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
);

const Stage = Type.Union([Type.Literal('setup'), Type.Literal('full')]);

export const LoginResponse = Type.Object({ user: UserView, stage: Stage, csrf_token: Type.String(), expires_at: Type.String() }, strict);

export const MeResponse = Type.Union([
  Type.Object({ kind: Type.Literal('user'), user: UserView, stage: Stage }, strict),
  Type.Object({ kind: Type.Literal('token'), token: Type.Object({ token_id: Type.String(), name: Type.String(), role: RoleSchema, expires_at: Type.Union([Type.String(), Type.Null()]) }, strict) }, strict),
]);

/** Routes a session that is still in setup may call. */
const setupAccess = { roles: ALL_ROLES, tokens: false, setup: true } as const;

export const authRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  // One bound on password hashes in flight and one lock cache for this server process, shared with
  // the dashboard's forms (../auth/login-guard.ts). Refusals counted during lockouts are journalled
  // once the lock is over, even if no one tries again; at shutdown the in-memory counts are kept;
  // spent login_attempts rows are pruned.
  const guard = ctx.loginGuard;
  const sweepRefusals = async () => {
    await guard.sweep(ctx.db, ctx.now());
  };
  let sweep: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    sweep = setInterval(() => {
      sweepRefusals().catch((error: unknown) => app.log.error({ err: error }, 'journalling login refusals failed'));
    }, LOGIN_SWEEP_MS);
    sweep.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await sweepRefusals().catch((error: unknown) => app.log.error({ err: error }, 'journalling login refusals failed'));
  });

  async function sessionUser(principal: Principal): Promise<UserCredentials & { session_hash: string }> {
    if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Only a user session can do this.');
    const user = await findUserById(ctx.db, principal.user.user_id);
    if (user === undefined) throw new ApiError(401, 'unauthenticated', 'The user no longer exists.');
    return { ...user, session_hash: principal.session_hash };
  }

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: { public: true } },
      bodyLimit: 4096,
      schema: { body: LoginBody, response: { 200: LoginResponse, ...errorResponses } },
      // Refusals the address alone decides are answered before the body is read (a flood's cost);
      // most never get here: ../auth/login-front-door.ts answers them below Fastify.
      onRequest: async (request, reply) => {
        const early = guard.refuseEarly(request.ip, ctx.now());
        if (early === null) return;
        return reply.status(early.status).header('retry-after', String(early.retryAfterSeconds)).send(earlyRefusalBody(early.status, early.retryAfterSeconds));
      },
    },
    async (request, reply) => {
      let result;
      try {
        result = await login(ctx.db, { key: ctx.secretsKey, log: request.log }, request.body, request.ip, ctx.now(), { gate: guard.gate, locks: guard.locks });
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'login_locked' || error.code === 'login_busy')) {
          const seconds = /in (\d+) s/.exec(error.message)?.[1];
          if (seconds !== undefined) void reply.header('retry-after', seconds);
        }
        throw error;
      }
      setSessionCookies(reply, result.session);
      return { user: publicUser(result.user), stage: result.stage, csrf_token: result.session.csrf_token, expires_at: result.session.expires_at.toISOString() };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { access: setupAccess }, schema: { response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await sessionUser(principal);
      await deleteSession(ctx.db, user.session_hash);
      await appendAuditEvent(ctx.db, { actor: actorOf(principal), action: 'auth.logout', target: `user:${user.username}`, at: ctx.now() });
      clearSessionCookies(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/me',
    { config: { access: { roles: ALL_ROLES, setup: true } }, schema: { response: { 200: MeResponse, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind === 'token') {
        const { token_id, name, expires_at } = principal.token;
        return { kind: 'token' as const, token: { token_id, name, role: principal.role, expires_at } };
      }
      return { kind: 'user' as const, user: principal.user, stage: principal.stage };
    },
  );

  app.post(
    '/api/v1/auth/mfa/enroll',
    {
      config: { access: setupAccess },
      schema: {
        response: {
          200: Type.Object({ secret: Type.String(), otpauth_uri: Type.String(), qr_svg: Type.String(), qr_png_data_url: Type.String() }, strict),
          ...errorResponses,
        },
      },
    },
    async (request) => beginTotpEnrolment(ctx.db, ctx.secretsKey, await sessionUser(principalOf(request))),
  );

  app.post(
    '/api/v1/auth/mfa/confirm',
    {
      config: { access: setupAccess },
      schema: {
        body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, strict),
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()), stage: Stage }, strict), ...errorResponses },
      },
    },
    async (request) => {
      const user = await sessionUser(principalOf(request));
      return confirmTotpEnrolment(ctx.db, { key: ctx.secretsKey, log: request.log }, user, user.session_hash, request.body.code, ctx.now());
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { access: setupAccess },
      bodyLimit: 4096,
      schema: {
        body: Type.Object({ current_password: Password, new_password: Password }, strict),
        response: { 200: Type.Object({ stage: Stage }, strict), ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await sessionUser(principalOf(request));
      let updated;
      try {
        updated = await changeOwnPassword(
          ctx.db,
          { username: user.username, sessionHash: user.session_hash, sourceIp: request.ip, current: request.body.current_password, next: request.body.new_password },
          ctx.now(),
          { gate: guard.gate, locks: guard.locks },
        );
      } catch (error) {
        if (error instanceof ApiError && error.code === 'session_ended') clearSessionCookies(reply);
        if (error instanceof ApiError && (error.code === 'login_locked' || error.code === 'login_busy')) {
          const seconds = /in (\d+) s/.exec(error.message)?.[1];
          if (seconds !== undefined) void reply.header('retry-after', seconds);
        }
        throw error;
      }
      const stage = stageOf(updated);
      await setSessionStage(ctx.db, user.session_hash, stage);
      return { stage };
    },
  );
};

export { UsernameSchema };
