// The account pages, open to a session still in setup: first-login MFA enrolment (QR code, manual
// key, confirmation, recovery codes shown once) and password change. Same functions as the API.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { changeOwnPassword } from '../../auth/password-change.js';
import { principalOf } from '../../auth/guard.js';
import { beginTotpEnrolment, confirmTotpEnrolment, stageOf } from '../../auth/login.js';
import { ALL_ROLES } from '../../auth/roles.js';
import { clearSessionCookies, CSRF_FIELD } from '../../auth/session.js';
import { setSessionStage } from '../../db/sessions.js';
import { findUserById, type UserCredentials } from '../../db/users.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { homeFor } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

/** Open to every signed-in user, including a session that has not finished its setup. */
const SETUP_ACCESS = { roles: ALL_ROLES, tokens: false, setup: true } as const;

const CsrfOnly = Type.Object({ [CSRF_FIELD]: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
const ConfirmBody = Type.Object({ [CSRF_FIELD]: Type.Optional(Type.String({ maxLength: 64 })), code: Type.String({ maxLength: 16 }) }, { additionalProperties: false });
const PasswordBody = Type.Object(
  {
    [CSRF_FIELD]: Type.Optional(Type.String({ maxLength: 64 })),
    current_password: Type.String({ maxLength: 1024 }),
    new_password: Type.String({ maxLength: 1024 }),
    repeat_password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);

async function sessionUser(ctx: RouteContext, request: FastifyRequest): Promise<UserCredentials & { session_hash: string }> {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Only a user session can do this.');
  const user = await findUserById(ctx.db, principal.user.user_id);
  if (user === undefined) throw new ApiError(401, 'unauthenticated', 'The user no longer exists.');
  return { ...user, session_hash: principal.session_hash };
}

function AccountPage({ view, user, notice }: { view: View; user: UserCredentials; notice?: string }) {
  const { t } = view;
  const mfa = user.totp_secret_sealed !== null;
  const setup = stageOf(user) !== 'full';
  return (
    <Layout view={view} title={t('account.title')}>
      {notice !== undefined && <Notice kind="success">{notice}</Notice>}
      <p>
        <strong>{user.username}</strong> — {t('account.role', { role: t(`role.${user.role}`) })}
      </p>
      {setup && (
        <>
          <p>{t('account.setupIntro')}</p>
          <ol>
            {!mfa && <li>{t('account.stepMfa')}</li>}
            {user.password_must_change && <li>{t('account.stepPassword')}</li>}
          </ol>
        </>
      )}
      <p>{mfa ? t('account.mfaOn') : t('account.mfaOff')}</p>
      {!mfa && (
        <form method="post" action="/account/mfa">
          <CsrfField view={view} />
          <button type="submit">{t('account.startMfa')}</button>
        </form>
      )}
      {(mfa || user.password_must_change) && (
        <p>
          <a href="/account/password">{t('account.changePassword')}</a>
        </p>
      )}
      {!setup && (
        <p>
          <a href={homeFor(user.role)}>{t('account.continue')}</a>
        </p>
      )}
    </Layout>
  );
}

function EnrolPage({ view, user, secret, qr }: { view: View; user: UserCredentials; secret: string; qr: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('mfa.title')}>
      <p>{t('mfa.scan')}</p>
      <img class="qr" src={qr} width={200} height={200} alt={t('mfa.qrAlt', { user: user.username })} />
      <p>
        {t('mfa.manual')} <code class="secret">{secret.replace(/(.{4})/g, '$1 ').trim()}</code>
      </p>
      <form method="post" action="/account/mfa/confirm" class="stacked narrow">
        <CsrfField view={view} />
        <label for="code">{t('mfa.code')}</label>
        <input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autofocus />
        <button type="submit">{t('mfa.confirm')}</button>
      </form>
    </Layout>
  );
}

function RecoveryCodesPage({ view, codes, next }: { view: View; codes: string[]; next: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('mfa.recoveryTitle')}>
      <Notice kind="success">{t('mfa.recoveryIntro')}</Notice>
      <ul class="codes">
        {codes.map((c) => (
          <li>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <p>
        <a href={next}>{t('account.continue')}</a>
      </p>
    </Layout>
  );
}

function PasswordPage({ view, error }: { view: View; error?: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('password.title')}>
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/account/password" class="stacked narrow">
        <CsrfField view={view} />
        <label for="current_password">{t('password.current')}</label>
        <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
        <label for="new_password">{t('password.new')}</label>
        <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength={12} required />
        <label for="repeat_password">{t('password.repeat')}</label>
        <input id="repeat_password" name="repeat_password" type="password" autocomplete="new-password" minlength={12} required />
        <button type="submit">{t('password.submit')}</button>
      </form>
    </Layout>
  );
}

export const accountPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get('/account', { config: { access: SETUP_ACCESS }, schema: { hide: true } }, async (request, reply) => {
    const user = await sessionUser(ctx, request);
    return sendPage(reply, <AccountPage view={viewOf(request, ctx.now())} user={user} />);
  });

  app.post<{ Body: Static<typeof CsrfOnly> }>('/account/mfa', { config: { access: SETUP_ACCESS }, schema: { body: CsrfOnly, hide: true } }, async (request, reply) => {
    const view = viewOf(request, ctx.now());
    const user = await sessionUser(ctx, request);
    if (user.totp_secret_sealed !== null) return sendPage(reply, <AccountPage view={view} user={user} notice={view.t('mfa.already')} />, 409);
    const enrolment = await beginTotpEnrolment(ctx.db, ctx.secretsKey, user);
    return sendPage(reply, <EnrolPage view={view} user={user} secret={enrolment.secret} qr={enrolment.qr_png_data_url} />);
  });

  app.post<{ Body: Static<typeof ConfirmBody> }>(
    '/account/mfa/confirm',
    { config: { access: SETUP_ACCESS }, schema: { body: ConfirmBody, hide: true } },
    async (request, reply) => {
      const view = viewOf(request, ctx.now());
      const user = await sessionUser(ctx, request);
      const code = request.body.code.replace(/\s+/g, '');
      const wrong = () =>
        sendPage(
          reply,
          <Layout view={view} title={view.t('mfa.title')}>
            <Notice kind="error">{view.t('mfa.wrongCode')}</Notice>
            <form method="post" action="/account/mfa">
              <CsrfField view={view} />
              <button type="submit">{view.t('mfa.restart')}</button>
            </form>
          </Layout>,
          400,
        );
      if (!/^[0-9]{6}$/.test(code)) return wrong();
      try {
        const result = await confirmTotpEnrolment(ctx.db, { key: ctx.secretsKey, log: request.log }, user, user.session_hash, code, ctx.now());
        const next = result.stage === 'full' ? homeFor(user.role) : '/account/password';
        return sendPage(reply, <RecoveryCodesPage view={view} codes={result.recovery_codes} next={next} />);
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'invalid_code' || error.code === 'mfa_enrollment_not_started')) return wrong();
        throw error;
      }
    },
  );

  app.get('/account/password', { config: { access: SETUP_ACCESS }, schema: { hide: true } }, async (request, reply) =>
    sendPage(reply, <PasswordPage view={viewOf(request, ctx.now())} />),
  );

  app.post<{ Body: Static<typeof PasswordBody> }>(
    '/account/password',
    { config: { access: SETUP_ACCESS }, bodyLimit: 8192, schema: { body: PasswordBody, hide: true } },
    async (request, reply) => {
      const view = viewOf(request, ctx.now());
      const user = await sessionUser(ctx, request);
      const { current_password, new_password, repeat_password } = request.body;
      if (new_password !== repeat_password) return sendPage(reply, <PasswordPage view={view} error={view.t('password.mismatch')} />, 400);
      try {
        const updated = await changeOwnPassword(
          ctx.db,
          { username: user.username, sessionHash: user.session_hash, sourceIp: request.ip, current: current_password, next: new_password },
          ctx.now(),
          { gate: ctx.loginGuard.gate, locks: ctx.loginGuard.locks },
        );
        await setSessionStage(ctx.db, user.session_hash, stageOf(updated));
        return sendPage(reply, <AccountPage view={view} user={updated} notice={view.t('password.done')} />);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'session_ended') {
          clearSessionCookies(reply);
          return redirectTo(reply, '/login?done=expired');
        }
        if (error instanceof ApiError && error.code === 'login_locked') return sendPage(reply, <PasswordPage view={view} error={view.t('password.locked')} />, 429);
        if (error instanceof ApiError && error.code === 'login_busy') return sendPage(reply, <PasswordPage view={view} error={view.t('login.busy')} />, 503);
        if (error instanceof ApiError && error.code === 'wrong_password') return sendPage(reply, <PasswordPage view={view} error={view.t('password.wrong')} />, 400);
        if (error instanceof ApiError && error.code === 'weak_password') return sendPage(reply, <PasswordPage view={view} error={view.t('password.weak', { reason: error.message })} />, 400);
        throw error;
      }
    },
  );
};
