// Page 6, Dérogations: every waiver with its expiry badge; the RSSI creates one (rule, scope,
// justification, end date) and revokes one from here. Same rules as the API (createWaiver);
// revoking ends the waiver now (its history stays) and is journalled.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { auditConfigOf } from '../../audit/config.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { createWaiver, WaiverInputError } from '../../waivers/create.js';
import { listWaiversAt } from '../../waivers/list.js';
import { revokeRefusalStatus, revokeWaiver, WaiverRevokeError } from '../../waivers/revoke.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { ruleCatalogue } from '../data/rules.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf } from '../view.js';

const SOON_DAYS = 14;
const Csrf = Type.Optional(Type.String({ maxLength: 64 }));
const CreateBody = Type.Object(
  {
    [CSRF_FIELD]: Csrf,
    rule: Type.String({ maxLength: 32 }),
    scope: Type.String({ maxLength: 200 }),
    justification: Type.String({ maxLength: 4000 }),
    expires: Type.String({ maxLength: 10 }),
  },
  { additionalProperties: false },
);
const RevokeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }) }, { additionalProperties: false });
const ListQuery = Type.Object(
  { created: Type.Optional(Type.String({ maxLength: 64 })), revoked: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

export const waiversPage: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const timeZone = auditConfigOf(ctx.config).timezone;

  async function render(request: Parameters<typeof viewOf>[0], error?: string, form?: Static<typeof CreateBody>, notice?: string) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f, lang } = view;
    const waivers = await listWaiversAt(ctx.db, now);
    const rules = ruleCatalogue(ctx.packs);
    const canEdit = view.user?.role === 'rssi';
    return (
      <Layout view={view} title={t('nav.waivers')} freshness={now}>
        <p>{t('waivers.intro')}</p>
        {notice !== undefined && <Notice kind="success">{notice}</Notice>}
        {error !== undefined && <Notice kind="error">{error}</Notice>}
        {waivers.length === 0 ? (
          <p>{t('waivers.none')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">{t('waivers.rule')}</th>
                <th scope="col">{t('waivers.scope')}</th>
                <th scope="col">{t('waivers.justification')}</th>
                <th scope="col">{t('waivers.approver')}</th>
                <th scope="col">{t('waivers.created')}</th>
                <th scope="col">{t('waivers.expires')}</th>
                <th scope="col">{t('waivers.state')}</th>
                {canEdit && <th scope="col">{t('waivers.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {waivers.map((w) => {
                const active = w.active;
                const soon = active && Date.parse(w.expires_at) - now.getTime() < SOON_DAYS * 86_400_000;
                const revokedAt = w.state === 'revoked' ? w.revoked_at : undefined;
                return (
                  <tr id={`w-${w.id}`}>
                    <td>
                      <code>{w.id}</code>
                    </td>
                    <td>
                      <a href={`/rules/${encodeURIComponent(w.rule_id)}`}>{w.rule_id}</a>
                    </td>
                    <td>
                      <bdi>{w.scope_text}</bdi>
                    </td>
                    <td>
                      <bdi>{w.justification}</bdi>
                    </td>
                    <td>{w.approver}</td>
                    <td>{f.date(w.created_at)}</td>
                    <td>{f.dateTime(w.expires_at)}</td>
                    <td>
                      {revokedAt !== undefined ? (
                        <span class="badge expired">{t('waivers.revoked', { date: f.dateTime(revokedAt), by: w.revoked_by ?? '?' })}</span>
                      ) : (
                        <span class={`badge ${w.state === 'active' ? (soon ? 'soon' : '') : w.state === 'pending' ? 'soon' : 'expired'}`}>
                          {t(w.state === 'active' ? (soon ? 'waivers.soon' : 'waivers.active') : w.state === 'pending' ? 'waivers.pending' : 'waivers.expired')}
                        </span>
                      )}
                    </td>
                    {canEdit && (
                      <td>
                        {(w.state === 'active' || w.state === 'pending') && (
                          <form method="post" action={`/waivers/${encodeURIComponent(w.id)}/revoke`}>
                            <CsrfField view={view} />
                            <button type="submit" aria-label={t('waivers.revokeLabel', { id: w.id })}>
                              {t('waivers.revoke')}
                            </button>
                          </form>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {canEdit && (
          <section aria-labelledby="new-h">
            <h2 id="new-h">{t('waivers.createTitle')}</h2>
            <form method="post" action="/waivers" class="stacked narrow">
              <CsrfField view={view} />
              <label for="rule">{t('waivers.rule')}</label>
              <select id="rule" name="rule" required>
                {[...rules.values()].map((r) => (
                  <option value={r.id} selected={form?.rule === r.id}>
                    {`${r.id} — ${r.title[lang]}`}
                  </option>
                ))}
              </select>
              <label for="scope">{t('waivers.scope')}</label>
              <input id="scope" name="scope" required value={form?.scope ?? ''} aria-describedby="scope-hint" />
              <p id="scope-hint" class="hint">
                {t('waivers.scopeHint')}
              </p>
              <label for="justification">{t('waivers.justification')}</label>
              <textarea id="justification" name="justification" required minlength={10} maxlength={2000} rows={3}>
                {form?.justification ?? ''}
              </textarea>
              <label for="expires">{t('waivers.expires')}</label>
              <input id="expires" name="expires" type="date" required value={form?.expires ?? ''} />
              <button type="submit">{t('waivers.create')}</button>
            </form>
          </section>
        )}
      </Layout>
    );
  }

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/waivers',
    { config: { access: { roles: PAGE_ROLES.waivers, tokens: false } }, schema: { querystring: ListQuery, hide: true } },
    async (request, reply) => {
      const t = viewOf(request, ctx.now()).t;
      const { created, revoked } = request.query;
      const notice = created !== undefined ? t('waivers.created_ok', { id: created }) : revoked !== undefined ? t('waivers.revoked_ok', { id: revoked }) : undefined;
      return sendPage(reply, await render(request, undefined, undefined, notice));
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/waivers',
    { config: { access: { roles: ['rssi'], tokens: false } }, bodyLimit: 16 * 1024, schema: { body: CreateBody, hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Sessions only.');
      const { rule, scope, justification, expires } = request.body;
      try {
        const waiver = await createWaiver(
          ctx.db,
          { rule, scope, justification, expires, approver: principal.user.username },
          { packs: ctx.packs, now: ctx.now(), timeZone, actor: actorOf(principal) },
        );
        return redirectTo(reply, `/waivers?created=${encodeURIComponent(waiver.id)}#w-${encodeURIComponent(waiver.id)}`);
      } catch (error) {
        if (!(error instanceof WaiverInputError)) throw error;
        const t = viewOf(request, ctx.now()).t;
        return sendPage(reply, await render(request, t('waivers.refused', { reason: error.message }), request.body), 400);
      }
    },
  );

  app.post<{ Params: Static<typeof RevokeParams>; Body: { [CSRF_FIELD]?: string } }>(
    '/waivers/:id/revoke',
    {
      config: { access: { roles: ['rssi'], tokens: false } },
      schema: { params: RevokeParams, body: Type.Object({ [CSRF_FIELD]: Csrf }, { additionalProperties: false }), hide: true },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const now = ctx.now();
      const id = request.params.id;
      try {
        await revokeWaiver(ctx.db, id, { now, actor: actorOf(principal) });
      } catch (error) {
        if (error instanceof WaiverRevokeError) throw new ApiError(revokeRefusalStatus(error.code), error.code, error.message);
        throw error;
      }
      return redirectTo(reply, `/waivers?revoked=${encodeURIComponent(id)}`);
    },
  );
};
