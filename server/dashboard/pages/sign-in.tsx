// Signing in from the browser: the same login() as POST /api/v1/auth/login (password + TOTP or a
// recovery code, throttled, journaled), answered with a page instead of JSON.
//
// The login form itself is protected against login CSRF (a hostile page signing the browser into
// the attacker's account) by a double-submit token: a random value in a short-lived __Host-
// cookie that the form must echo. Once signed in, forms use the session's own CSRF token.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { actorOf, principalOf } from '../../auth/guard.js';
import { appendAuditEvent } from '../../auditlog/auditlog.js';
import { login } from '../../auth/login.js';
import { ALL_ROLES } from '../../auth/roles.js';
import { clearSessionCookies, setSessionCookies } from '../../auth/session.js';
import { deleteSession } from '../../db/sessions.js';
import { ApiError } from '../../errors.js';
import { newSecret, secretMatches, hashSecret } from '../../secrets/secrets.js';
import type { RouteContext } from '../../routes/context.js';
import { Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { homeFor } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

export const LOGIN_FORM_COOKIE = '__Host-vigie_login';
const LOGIN_FORM_FIELD = '_login';
const LOGIN_FORM_TTL_S = 15 * 60;

export const SignInBody = Type.Object(
  {
    username: Type.String({ maxLength: 64 }),
    password: Type.String({ maxLength: 1024 }),
    code: Type.Optional(Type.String({ maxLength: 64 })),
    [LOGIN_FORM_FIELD]: Type.Optional(Type.String({ maxLength: 64 })),
    next: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

const SignInQuery = Type.Object(
  { next: Type.Optional(Type.String({ maxLength: 512 })), done: Type.Optional(Type.Union([Type.Literal('logout'), Type.Literal('expired')])) },
  { additionalProperties: false },
);

/** Only a local path may be the place to go back to after signing in (no open redirect). */
export function safeNext(next: string | undefined): string | null {
  if (next === undefined || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return /^[\x21-\x7e]*$/.test(next) ? next : null;
}

interface SignInProps {
  view: View;
  formToken: string;
  next: string | null;
  username?: string;
  error?: string | undefined;
  info?: string | undefined;
}

function SignInPage({ view, formToken, next, username, error, info }: SignInProps) {
  const { t } = view;
  return (
    <Layout view={view} title={t('login.title')}>
      {info !== undefined && <Notice kind="info">{info}</Notice>}
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/login" class="stacked narrow">
        <input type="hidden" name={LOGIN_FORM_FIELD} value={formToken} />
        {next !== null && <input type="hidden" name="next" value={next} />}
        <label for="username">{t('login.username')}</label>
        <input id="username" name="username" autocomplete="username" required value={username ?? ''} autofocus={username === undefined} />
        <label for="password">{t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <label for="code">{t('login.code')}</label>
        <input id="code" name="code" autocomplete="one-time-code" inputmode="text" aria-describedby="code-hint" />
        <p id="code-hint" class="hint">
          {t('login.codeHint')}
        </p>
        <button type="submit">{t('login.submit')}</button>
      </form>
      <p class="hint">{t('login.lockHint')}</p>
    </Layout>
  );
}

/** A fresh login-form token, set in its cookie; the page embeds it. */
function issueFormToken(reply: FastifyReply): string {
  const token = newSecret();
  void reply.setCookie(LOGIN_FORM_COOKIE, token, { path: '/', secure: true, sameSite: 'strict', httpOnly: true, maxAge: LOGIN_FORM_TTL_S });
  return token;
}

function formTokenMatches(request: FastifyRequest, presented: string | undefined): boolean {
  const cookie = request.cookies[LOGIN_FORM_COOKIE];
  return typeof cookie === 'string' && typeof presented === 'string' && presented.length <= 64 && secretMatches(presented, hashSecret(cookie));
}

export const signInPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof SignInQuery> }>(
    '/login',
    { config: { access: { public: true } }, schema: { querystring: SignInQuery, hide: true } },
    async (request, reply) => {
      const view = viewOf(request, ctx.now());
      const info = request.query.done === 'logout' ? view.t('login.signedOut') : request.query.done === 'expired' ? view.t('login.sessionEnded') : undefined;
      return sendPage(reply, <SignInPage view={view} formToken={issueFormToken(reply)} next={safeNext(request.query.next)} info={info} />);
    },
  );

  app.post<{ Body: Static<typeof SignInBody> }>(
    '/login',
    { config: { access: { public: true } }, bodyLimit: 8192, schema: { body: SignInBody, hide: true } },
    async (request, reply) => {
      const view = viewOf(request, ctx.now());
      const { username, password, code, next } = request.body;
      const again = (status: number, error: string) =>
        sendPage(reply, <SignInPage view={view} formToken={issueFormToken(reply)} next={safeNext(next)} username={username} error={error} />, status);
      if (!formTokenMatches(request, request.body[LOGIN_FORM_FIELD])) return again(400, view.t('login.expiredForm'));
      const trimmed = (code ?? '').replace(/\s+/g, '');
      const mfa = trimmed === '' ? {} : /^[0-9]{6}$/.test(trimmed) ? { totp_code: trimmed } : { recovery_code: trimmed };
      let result;
      try {
        result = await login(ctx.db, { key: ctx.secretsKey, log: request.log }, { username, password, ...mfa }, request.ip, ctx.now(), { gate: ctx.loginGuard.gate, locks: ctx.loginGuard.locks });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'login_busy') {
          void reply.header('retry-after', '1');
          return again(503, view.t('login.busy'));
        }
        if (error instanceof ApiError && error.code === 'login_locked') {
          const seconds = Number(/in (\d+) s/.exec(error.message)?.[1] ?? '60');
          void reply.header('retry-after', String(seconds));
          return again(429, view.t('login.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)) }));
        }
        if (error instanceof ApiError && error.code === 'invalid_credentials') return again(401, view.t('login.invalid'));
        throw error;
      }
      void reply.clearCookie(LOGIN_FORM_COOKIE, { path: '/', secure: true, sameSite: 'strict', httpOnly: true });
      setSessionCookies(reply, result.session);
      if (result.stage !== 'full') return redirectTo(reply, '/account');
      return redirectTo(reply, safeNext(next) ?? homeFor(result.user.role as (typeof ALL_ROLES)[number]));
    },
  );

  app.post('/logout', { config: { access: { roles: ALL_ROLES, tokens: false, setup: true } }, schema: { hide: true } }, async (request, reply) => {
    const principal = principalOf(request);
    if (principal.kind === 'user') {
      await deleteSession(ctx.db, principal.session_hash);
      await appendAuditEvent(ctx.db, { actor: actorOf(principal), action: 'auth.logout', target: `user:${principal.user.username}`, at: ctx.now() });
    }
    clearSessionCookies(reply);
    return redirectTo(reply, '/login?done=logout');
  });
};
