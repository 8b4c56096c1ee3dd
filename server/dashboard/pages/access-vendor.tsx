// Page 9, the requester's side: the request form (a target the vendor's company may ask for, the
// window in Paris time, the justification and ticket, emergency with its limits spelled out) and
// one's own SSH public keys (add with the fingerprint shown, remove). Through the access domain:
// the same rules, limits and audit entries as the API and the CLI.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { addSshKey, removeSshKey } from '../../access/directory.js';
import { EMERGENCY_MAX_MINUTES, type Target } from '../../access/model.js';
import { listTargets } from '../../access/targets-store.js';
import { createRequest } from '../../access/transitions.js';
import { listSshKeys, vendorOfUser } from '../../access/vendors-store.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { ApiError } from '../../errors.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { Untrusted, visible } from '../components/visible-text.js';
import { parisLocalMinute, parisLocalToInstant } from '../data/paris-local.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';
import { accessActorOf, accessDepsOf, type AccessPageContext } from './access-context.js';
import { refusalText } from './access-request.js';

const strict = { additionalProperties: false } as const;
const Csrf = Type.Optional(Type.String({ maxLength: 64 }));
const RequestBody = Type.Object(
  {
    [CSRF_FIELD]: Csrf,
    target: Type.String({ maxLength: 64 }),
    not_before: Type.Optional(Type.String({ maxLength: 20 })),
    not_after: Type.String({ maxLength: 20 }),
    reason: Type.String({ maxLength: 2000 }),
    ticket: Type.String({ maxLength: 64 }),
    emergency: Type.Optional(Type.Literal('yes')),
  },
  strict,
);
type RequestBody = Static<typeof RequestBody>;
const KeyBody = Type.Object({ [CSRF_FIELD]: Csrf, public_key: Type.String({ maxLength: 16_384 }) }, strict);
const RemoveBody = Type.Object({ [CSRF_FIELD]: Csrf, confirm: Type.Optional(Type.Literal('yes')) }, strict);
const KeyParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, strict);
const KeysQuery = Type.Object({ added: Type.Optional(Type.String({ format: 'uuid', maxLength: 36 })), removed: Type.Optional(Type.Literal('1')) }, strict);

const REQUEST = { config: { access: { roles: PAGE_ROLES.accessRequesters, tokens: false } } } as const;

/** The targets the person may ask for: their company's (vendor) or every enabled one. */
async function requestableTargets(ctx: AccessPageContext, who: { user_id: string; role: string }): Promise<Target[]> {
  if (who.role !== 'vendor') return (await listTargets(ctx.db)).filter((t) => t.disabled_at === null);
  const vendor = await vendorOfUser(ctx.db, who.user_id);
  if (vendor === undefined || vendor.disabled_at !== null) return [];
  return (await listTargets(ctx.db, { vendor_id: vendor.vendor_id })).filter((t) => t.disabled_at === null);
}

function channels(view: View, t: Target): string {
  const c = t.channels;
  const list = [c.shell ? 'shell' : null, c.exec ? 'exec' : null, c.sftp ? 'sftp' : null, c.direct_tcpip_ports.length > 0 ? `tcp ${c.direct_tcpip_ports.join(', ')}` : null].filter((x) => x !== null);
  return list.length === 0 ? view.t('access.detail.noChannel') : list.join(', ');
}

const duration = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`);

function TargetsTable({ view, targets }: { view: View; targets: Target[] }) {
  const { t } = view;
  return (
    <table>
      <caption>{t('access.new.targetsCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('access.col.target')}</th>
          <th scope="col">{t('access.col.site')}</th>
          <th scope="col">{t('access.new.class')}</th>
          <th scope="col">{t('access.new.maxWindow')}</th>
          <th scope="col">{t('access.new.channels')}</th>
          <th scope="col">{t('access.new.recording')}</th>
        </tr>
      </thead>
      <tbody>
        {targets.map((target) => (
          <tr>
            <th scope="row">{target.name}</th>
            <td>{target.site}</td>
            <td>{t(`access.class.${target.device_class}` as MessageKey)}</td>
            <td>{duration(target.max_window_minutes)}</td>
            <td>{channels(view, target)}</td>
            <td>{t(target.record_input ? 'access.new.recordAll' : 'access.new.recordOutput')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const accessVendorPages: FastifyPluginAsync<AccessPageContext> = async (app, ctx) => {
  async function renderNew(request: FastifyRequest, form: Partial<RequestBody>, error: string | null) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t } = view;
    const who = accessActorOf(request);
    const targets = await requestableTargets(ctx, who);
    // Default: a window from the next quarter hour, for two hours.
    const start = new Date(Math.ceil(now.getTime() / 900_000) * 900_000);
    return (
      <Layout view={view} title={t('access.new.title')} freshness={now}>
        <p>
          <a href="/access">{t('access.back')}</a>
        </p>
        {error !== null && <Notice kind="error">{error}</Notice>}
        <p>{t('access.new.intro')}</p>
        {targets.length === 0 ? (
          <p class="notice info" role="status">
            {t('access.new.noTarget')}
          </p>
        ) : (
          <>
            <TargetsTable view={view} targets={targets} />
            <form method="post" action="/access/requests" class="stacked narrow">
              <CsrfField view={view} />
              <label for="new-target">{t('access.col.target')}</label>
              <select id="new-target" name="target" required>
                {targets.map((target) => (
                  <option value={target.name} selected={form.target === target.name}>
                    {`${target.name} (${target.site})`}
                  </option>
                ))}
              </select>
              <fieldset>
                <legend>{t('access.new.window')}</legend>
                <p class="hint" id="new-window-hint">
                  {t('access.new.windowHint')}
                </p>
                <label for="new-start">{t('access.form.start')}</label>
                <input id="new-start" name="not_before" type="datetime-local" value={form.not_before ?? parisLocalMinute(start)} aria-describedby="new-window-hint" />
                <label for="new-end">{t('access.form.end')}</label>
                <input id="new-end" name="not_after" type="datetime-local" required value={form.not_after ?? parisLocalMinute(new Date(start.getTime() + 2 * 3600_000))} aria-describedby="new-window-hint" />
              </fieldset>
              <label for="new-reason">{t('access.new.reason')}</label>
              <textarea id="new-reason" name="reason" rows={4} required minlength={3} maxlength={2000} aria-describedby="new-reason-hint">
                {form.reason ?? ''}
              </textarea>
              <p id="new-reason-hint" class="hint">
                {t('access.new.reasonHint')}
              </p>
              <label for="new-ticket">{t('access.detail.ticket')}</label>
              <input id="new-ticket" name="ticket" required maxlength={64} value={form.ticket ?? ''} aria-describedby="new-ticket-hint" />
              <p id="new-ticket-hint" class="hint">
                {t('access.new.ticketHint')}
              </p>
              <label>
                <input type="checkbox" name="emergency" value="yes" checked={form.emergency === 'yes'} aria-describedby="new-emergency-hint" /> {t('access.new.emergency')}
              </label>
              <p id="new-emergency-hint" class="hint">
                {t('access.new.emergencyHint', { max: duration(EMERGENCY_MAX_MINUTES) })}
              </p>
              <button type="submit">{t('access.new.submit')}</button>
            </form>
          </>
        )}
      </Layout>
    );
  }

  app.get('/access/new', { ...REQUEST, schema: { hide: true } }, async (request, reply) => sendPage(reply, await renderNew(request, {}, null)));

  app.post<{ Body: RequestBody }>('/access/requests', { ...REQUEST, bodyLimit: 16 * 1024, schema: { body: RequestBody, hide: true } }, async (request, reply) => {
    const { [CSRF_FIELD]: _csrf, ...form } = request.body;
    const view = viewOf(request, ctx.now());
    try {
      const instant = (value: string, field: string): string => {
        const at = parisLocalToInstant(value.trim());
        if (at === null) throw new ApiError(400, 'invalid_window', `${field}: not a Paris date and time (${visible(value).slice(0, 20)}).`);
        return at.toISOString();
      };
      const emergency = form.emergency === 'yes';
      const created = await createRequest(
        accessDepsOf(ctx, request),
        accessActorOf(request),
        {
          target: form.target,
          // An emergency starts now, whatever the start field says.
          not_before: emergency || form.not_before === undefined || form.not_before.trim() === '' ? undefined : instant(form.not_before, 'not_before'),
          not_after: instant(form.not_after, 'not_after'),
          reason: form.reason,
          ticket: form.ticket,
          emergency,
        },
        ctx.now(),
      );
      return redirectTo(reply, `/access/requests/${created.request_id}?done=created`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      return sendPage(reply, await renderNew(request, form, refusalText(view, error)), error.statusCode);
    }
  });

  // ---------------------------------------------------------------- SSH keys

  async function renderKeys(request: FastifyRequest, notice: { kind: 'success' | 'error'; text: string } | null, added: string | null, typed = '') {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const who = accessActorOf(request);
    const keys = await listSshKeys(ctx.db, who.user_id);
    const fresh = added === null ? undefined : keys.find((k) => k.key_id === added);
    return (
      <Layout view={view} title={t('access.keys.title')} freshness={now}>
        <p>
          <a href="/access">{t('access.back')}</a>
        </p>
        {notice !== null && <Notice kind={notice.kind}>{notice.text}</Notice>}
        {fresh !== undefined && (
          <p class="notice success" role="status">
            {t('access.keys.added')} <code>{fresh.fingerprint}</code>
          </p>
        )}
        <p>{t('access.keys.intro')}</p>
        {keys.length === 0 ? (
          <p>{t('access.keys.none')}</p>
        ) : (
          <table>
            <caption class="hint">{t('access.keys.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('access.keys.fingerprint')}</th>
                <th scope="col">{t('access.keys.algorithm')}</th>
                <th scope="col">{t('access.keys.comment')}</th>
                <th scope="col">{t('access.keys.addedAt')}</th>
                <th scope="col">{t('access.keys.remove')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr id={`k-${k.key_id}`}>
                  <th scope="row">
                    <code>{k.fingerprint}</code>
                  </th>
                  <td>{k.algorithm}</td>
                  <td>{k.comment === '' ? '–' : <Untrusted text={k.comment} />}</td>
                  <td>{f.dateTime(k.created_at)}</td>
                  <td>
                    <form method="post" action={`/access/keys/${k.key_id}/remove`} class="confirm">
                      <CsrfField view={view} />
                      <label>
                        <input type="checkbox" name="confirm" value="yes" required /> {t('access.keys.confirm')}
                      </label>
                      <button type="submit" aria-label={t('access.keys.removeLabel', { fingerprint: k.fingerprint })}>
                        {t('access.keys.remove')}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <section aria-labelledby="add-key-h">
          <h2 id="add-key-h">{t('access.keys.addTitle')}</h2>
          <form method="post" action="/access/keys" class="stacked">
            <CsrfField view={view} />
            <label for="new-key">{t('access.keys.line')}</label>
            <textarea id="new-key" name="public_key" rows={3} required maxlength={16384} aria-describedby="new-key-hint" spellcheck={false}>
              {typed}
            </textarea>
            <p id="new-key-hint" class="hint">
              {t('access.keys.lineHint')}
            </p>
            <button type="submit">{t('access.keys.add')}</button>
          </form>
        </section>
      </Layout>
    );
  }

  app.get<{ Querystring: Static<typeof KeysQuery> }>('/access/keys', { ...REQUEST, schema: { querystring: KeysQuery, hide: true } }, async (request, reply) => {
    const t = viewOf(request, ctx.now()).t;
    const notice = request.query.removed === '1' ? { kind: 'success' as const, text: t('access.keys.removed') } : null;
    return sendPage(reply, await renderKeys(request, notice, request.query.added ?? null));
  });

  async function keyRefused(request: FastifyRequest, reply: FastifyReply, error: unknown, typed = '') {
    if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
    return sendPage(reply, await renderKeys(request, { kind: 'error', text: refusalText(viewOf(request, ctx.now()), error) }, null, typed), error.statusCode);
  }

  app.post<{ Body: Static<typeof KeyBody> }>('/access/keys', { ...REQUEST, bodyLimit: 20 * 1024, schema: { body: KeyBody, hide: true } }, async (request, reply) => {
    const who = accessActorOf(request);
    try {
      const key = await addSshKey(ctx.db, who, request.body.public_key, actorOf(principalOf(request)), ctx.now());
      return redirectTo(reply, `/access/keys?added=${key.key_id}`);
    } catch (error) {
      return keyRefused(request, reply, error, request.body.public_key);
    }
  });

  app.post<{ Params: Static<typeof KeyParams>; Body: Static<typeof RemoveBody> }>(
    '/access/keys/:id/remove',
    { ...REQUEST, schema: { params: KeyParams, body: RemoveBody, hide: true } },
    async (request, reply) => {
      try {
        if (request.body.confirm !== 'yes') throw new ApiError(400, 'not_confirmed', 'Tick the confirmation box.');
        await removeSshKey(ctx.db, accessActorOf(request), request.params.id, actorOf(principalOf(request)), ctx.now());
        return redirectTo(reply, '/access/keys?removed=1');
      } catch (error) {
        return keyRefused(request, reply, error);
      }
    },
  );
};
