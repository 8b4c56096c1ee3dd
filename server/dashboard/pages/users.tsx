// Page 12, Utilisateurs (admin): every account with its role, TOTP enrolment, last sign-in,
// open sessions and lock-out; add an account (its one-time password shown once), disable, reset
// TOTP, unlock sign-in, change role. Same functions as /api/v1/users and `vigie user`; each change
// and its audit entry commit together and end the account's sessions. Destructive actions need
// the "I confirm" box ticked (checked on the server too: no JavaScript needed).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { appendAuditEvent } from '../../auditlog/auditlog.js';
import { changeAccountRole, PERSON_ROLES, PersonRoleSchema } from '../../auth/account-role.js';
import { createAccount, disableAccount, resetAccountMfa, UsernameSchema } from '../../auth/accounts.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import type { Role } from '../../auth/roles.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { accountSubject } from '../../auth/throttle.js';
import { toDbTime } from '../../db/columns.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { usersOverview, type UserOverview } from '../data/users.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const ACCESS = { roles: PAGE_ROLES.users, tokens: false } as const;
const strict = { additionalProperties: false } as const;
const Csrf = Type.Optional(Type.String({ maxLength: 64 }));
const Confirm = Type.Optional(Type.Literal('yes'));
const UserParams = Type.Object({ username: UsernameSchema }, strict);
const CreateBody = Type.Object({ [CSRF_FIELD]: Csrf, username: Type.String({ maxLength: 64 }), role: PersonRoleSchema }, strict);
const ConfirmBody = Type.Object({ [CSRF_FIELD]: Csrf, confirm: Confirm }, strict);
const RoleBody = Type.Object({ [CSRF_FIELD]: Csrf, role: PersonRoleSchema }, strict);
const CsrfBody = Type.Object({ [CSRF_FIELD]: Csrf }, strict);
const DONE = ['disabled', 'mfa', 'role', 'unlocked', 'unchanged'] as const;
const ListQuery = Type.Object({ done: Type.Optional(Type.Enum(DONE)), user: Type.Optional(UsernameSchema) }, strict);
const KNOWN_ERRORS = ['invalid_username', 'username_taken', 'cannot_disable_self', 'cannot_change_own_role', 'not_confirmed'] as const;

interface Outcome {
  notice?: { kind: 'success' | 'error'; text: string };
  created?: { username: string; password: string };
  form?: { username: string; role: Role };
}

function RoleOptions({ view, selected }: { view: View; selected: Role }) {
  return (
    <>
      {PERSON_ROLES.map((r) => (
        <option value={r} selected={r === selected}>
          {view.t(`role.${r}`)}
        </option>
      ))}
    </>
  );
}

function UserActions({ view, user }: { view: View; user: UserOverview }) {
  const { t } = view;
  const base = `/users/${encodeURIComponent(user.username)}`;
  const id = user.username.replace(/[^a-z0-9]/g, '-');
  return (
    <details>
      <summary>{t('users.actions')}</summary>
      <form method="post" action={`${base}/role`} class="stacked">
        <CsrfField view={view} />
        <label for={`role-${id}`}>{t('users.changeRoleLabel', { user: user.username })}</label>
        <select id={`role-${id}`} name="role">
          <RoleOptions view={view} selected={user.role} />
        </select>
        <button type="submit">{t('users.changeRole')}</button>
      </form>
      {user.locked_until !== null && (
        <form method="post" action={`${base}/unlock`}>
          <CsrfField view={view} />
          <button type="submit" aria-label={t('users.unlockLabel', { user: user.username })}>
            {t('users.unlock')}
          </button>
        </form>
      )}
      {user.mfa_enabled && (
        <form method="post" action={`${base}/reset-mfa`} class="confirm">
          <CsrfField view={view} />
          <label>
            <input type="checkbox" name="confirm" value="yes" required /> {t('users.confirm')}
          </label>
          <button type="submit" aria-label={t('users.resetMfaLabel', { user: user.username })}>
            {t('users.resetMfa')}
          </button>
        </form>
      )}
      <form method="post" action={`${base}/disable`} class="confirm">
        <CsrfField view={view} />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> {t('users.confirm')}
        </label>
        <button type="submit" aria-label={t('users.disableLabel', { user: user.username })}>
          {t('users.disable')}
        </button>
      </form>
    </details>
  );
}

function UserState({ view, user }: { view: View; user: UserOverview }) {
  const { t, f } = view;
  if (user.disabled_at !== null) return <span class="badge expired">{t('users.disabled', { date: f.date(user.disabled_at) })}</span>;
  return (
    <>
      <span class="badge">{t('users.active')}</span>
      {user.locked_until !== null && (
        <>
          {' '}
          <span class="badge expired">
            <span aria-hidden="true">🔒 </span>
            {t('users.locked', { time: f.dateTime(user.locked_until) })}
          </span>
        </>
      )}
      {user.password_must_change && (
        <>
          {' '}
          <span class="badge soon">{t('users.mustChange')}</span>
        </>
      )}
    </>
  );
}

export const usersPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  async function render(request: FastifyRequest, outcome: Outcome) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const users = await usersOverview(ctx.db, now);
    const me = view.user?.username;
    return (
      <Layout view={view} title={t('nav.users')} freshness={now}>
        <p>{t('users.intro')}</p>
        {outcome.notice !== undefined && <Notice kind={outcome.notice.kind}>{outcome.notice.text}</Notice>}
        {outcome.created !== undefined && (
          <div class="notice success" role="status">
            <p>{t('users.created', { user: outcome.created.username })}</p>
            <p>
              <code class="secret">{outcome.created.password}</code>
            </p>
          </div>
        )}
        <table>
          <caption class="hint">{t('users.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('users.username')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.mfa')}</th>
              <th scope="col">{t('users.lastLogin')}</th>
              <th scope="col" class="num">
                {t('users.sessions')}
              </th>
              <th scope="col">{t('users.state')}</th>
              <th scope="col">{t('users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr id={`u-${u.username}`}>
                <th scope="row">
                  {u.username} {u.username === me && <span class="hint">{t('users.you')}</span>}
                </th>
                <td>{t(`role.${u.role}`)}</td>
                <td>{u.mfa_enabled ? <span>✔ {t('users.mfaYes')}</span> : <span>✖ {t('users.mfaNo')}</span>}</td>
                <td>{u.last_login_at === null ? t('users.never') : f.dateTime(u.last_login_at)}</td>
                <td class="num">
                  <a href={`/audit-log?target=${encodeURIComponent(`user:${u.username}`)}`}>{f.integer(u.sessions)}</a>
                </td>
                <td>
                  <UserState view={view} user={u} />
                </td>
                <td>{u.username !== me && u.disabled_at === null && <UserActions view={view} user={u} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <section aria-labelledby="new-user-h">
          <h2 id="new-user-h">{t('users.createTitle')}</h2>
          <p class="hint">{t('users.createHint')}</p>
          <form method="post" action="/users" class="stacked narrow">
            <CsrfField view={view} />
            <label for="new-username">{t('users.username')}</label>
            <input id="new-username" name="username" required maxlength={64} pattern="[a-z0-9][a-z0-9._\-]{1,63}" value={outcome.form?.username ?? ''} aria-describedby="new-username-hint" autocomplete="off" />
            <p id="new-username-hint" class="hint">
              {t('users.usernameHint')}
            </p>
            <label for="new-role">{t('users.role')}</label>
            <select id="new-role" name="role">
              <RoleOptions view={view} selected={outcome.form?.role ?? 'technician'} />
            </select>
            <button type="submit">{t('users.create')}</button>
          </form>
        </section>
      </Layout>
    );
  }

  /** A refused action re-renders the page with the reason (in the user's language when known). */
  async function refused(request: FastifyRequest, reply: Parameters<typeof sendPage>[0], error: unknown, form?: Outcome['form']) {
    if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
    const t = viewOf(request, ctx.now()).t;
    const code = (KNOWN_ERRORS as readonly string[]).includes(error.code) ? (`users.error.${error.code}` as MessageKey) : null;
    const text = code !== null ? t(code) : t('users.error.other', { reason: error.message });
    return sendPage(reply, await render(request, { notice: { kind: 'error', text }, ...(form === undefined ? {} : { form }) }), error.statusCode);
  }

  const done = (username: string, kind: (typeof DONE)[number]) => `/users?done=${kind}&user=${encodeURIComponent(username)}#u-${encodeURIComponent(username)}`;

  app.get<{ Querystring: Static<typeof ListQuery> }>('/users', { config: { access: ACCESS }, schema: { querystring: ListQuery, hide: true } }, async (request, reply) => {
    const { done: kind, user } = request.query;
    const t = viewOf(request, ctx.now()).t;
    const notice = kind !== undefined && user !== undefined ? { kind: 'success' as const, text: t(`users.done.${kind}`, { user }) } : undefined;
    return sendPage(reply, await render(request, notice === undefined ? {} : { notice }));
  });

  app.post<{ Body: Static<typeof CreateBody> }>('/users', { config: { access: ACCESS }, bodyLimit: 4096, schema: { body: CreateBody, hide: true } }, async (request, reply) => {
    const { username, role } = request.body;
    try {
      const created = await createAccount(ctx.db, { username, role }, actorOf(principalOf(request)), ctx.now());
      // The one-time password is in this answer only (never in a URL, a log or the journal).
      return sendPage(reply, await render(request, { created: { username, password: created.initial_password ?? '' } }), 201);
    } catch (error) {
      return refused(request, reply, error, { username, role });
    }
  });

  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof ConfirmBody> }>(
    '/users/:username/disable',
    { config: { access: ACCESS }, schema: { params: UserParams, body: ConfirmBody, hide: true } },
    async (request, reply) => {
      const { username } = request.params;
      try {
        if (request.body.confirm !== 'yes') throw new ApiError(400, 'not_confirmed', 'Tick the confirmation box.');
        const { changed } = await disableAccount(ctx.db, username, actorOf(principalOf(request)), ctx.now());
        return redirectTo(reply, done(username, changed ? 'disabled' : 'unchanged'));
      } catch (error) {
        return refused(request, reply, error);
      }
    },
  );

  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof ConfirmBody> }>(
    '/users/:username/reset-mfa',
    { config: { access: ACCESS }, schema: { params: UserParams, body: ConfirmBody, hide: true } },
    async (request, reply) => {
      const { username } = request.params;
      try {
        if (request.body.confirm !== 'yes') throw new ApiError(400, 'not_confirmed', 'Tick the confirmation box.');
        await resetAccountMfa(ctx.db, username, actorOf(principalOf(request)), ctx.now());
        return redirectTo(reply, done(username, 'mfa'));
      } catch (error) {
        return refused(request, reply, error);
      }
    },
  );

  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof RoleBody> }>(
    '/users/:username/role',
    { config: { access: ACCESS }, schema: { params: UserParams, body: RoleBody, hide: true } },
    async (request, reply) => {
      const { username } = request.params;
      try {
        const { changed } = await changeAccountRole(ctx.db, username, request.body.role, actorOf(principalOf(request)), ctx.now());
        return redirectTo(reply, done(username, changed ? 'role' : 'unchanged'));
      } catch (error) {
        return refused(request, reply, error);
      }
    },
  );

  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof CsrfBody> }>(
    '/users/:username/unlock',
    { config: { access: ACCESS }, schema: { params: UserParams, body: CsrfBody, hide: true } },
    async (request, reply) => {
      const { username } = request.params;
      const now = ctx.now();
      const subject = accountSubject(username);
      const unlocked = await ctx.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('login_attempts')
          .set({ failures: 0, locked_until: null })
          .where('subject', '=', subject)
          .where('locked_until', '>', toDbTime(now))
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await appendAuditEvent(trx, { actor: actorOf(principalOf(request)), action: 'user.unlocked', target: `user:${username}`, details: {}, at: now });
        return true;
      });
      return redirectTo(reply, done(username, unlocked ? 'unlocked' : 'unchanged'));
    },
  );
};
