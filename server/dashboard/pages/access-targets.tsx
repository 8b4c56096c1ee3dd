// Page 9, the maintained devices (targets) as the hospital's people see them: site, class, the
// gateway it sits behind with its posture gate now, how the bastion reaches it (address, port,
// pinned host-key fingerprint, device user), the approval policy (quorum by role, longest window,
// first-connect timeout), channels, input recording and the vendors allowed; each a link to its
// requests. The device credential is never read here: only its kind, and that it is sealed.
// Adding a target carries a device credential, so it stays with the CLI and the admin API.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Quorum, Target } from '../../access/model.js';
import { checkPostureGate, type PostureGateResult } from '../../access/posture-gate.js';
import { listTargets } from '../../access/targets-store.js';
import { listVendors } from '../../access/vendors-store.js';
import { PostureBadge } from '../components/access-parts.js';
import { Layout } from '../components/layout.js';
import { Untrusted } from '../components/visible-text.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';
import type { AccessPageContext } from './access-context.js';

const TargetsQuery = Type.Object({ site: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });

const hours = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`);

/** "1 RSSI + 1 ingénieur biomédical" (an admin counts for the total only when the policy names none). */
export function quorumText(view: View, quorum: Quorum): string {
  const parts = (['rssi', 'biomedical', 'admin'] as const).filter((r) => (quorum[r] ?? 0) > 0).map((r) => `${quorum[r]} ${view.t(`role.${r}`)}`);
  return parts.length === 0 ? view.t('access.targets.quorumOne') : parts.join(' + ');
}

function channelText(view: View, target: Target): string {
  const c = target.channels;
  const list = [c.shell ? 'shell' : null, c.exec ? 'exec' : null, c.sftp ? 'sftp' : null, c.direct_tcpip_ports.length > 0 ? `tcp ${c.direct_tcpip_ports.join(', ')}` : null].filter((x) => x !== null);
  return list.length === 0 ? view.t('access.detail.noChannel') : list.join(', ');
}

function TargetRow({ view, target, posture, vendorNames }: { view: View; target: Target; posture: PostureGateResult; vendorNames: ReadonlyMap<string, string> }) {
  const { t, f } = view;
  return (
    <tr id={`t-${target.target_id}`}>
      <th scope="row">
        {target.name}
        {target.disabled_at !== null && <span class="hint"> ({t('access.targets.disabled', { at: f.dateTime(target.disabled_at) })})</span>}
      </th>
      <td>{target.site}</td>
      <td>{t(`access.class.${target.device_class}` as MessageKey)}</td>
      <td>
        <Untrusted text={posture.hostname ?? target.gateway_host_id} />
        <br />
        <PostureBadge view={view} posture={posture} />
      </td>
      <td>
        <code>
          {target.ssh_host}:{target.ssh_port}
        </code>
        <br />
        <code class="fingerprint">{target.host_key_fingerprint}</code>
        <br />
        {t('access.targets.deviceUser', { user: target.device_user, kind: t(`access.targets.credential.${target.credential_kind}`) })}
      </td>
      <td>
        {quorumText(view, target.quorum)}
        <br />
        {t('access.targets.longest', { d: hours(target.max_window_minutes) })}
        {target.first_connect_timeout_minutes !== null && (
          <>
            <br />
            {t('access.targets.firstConnect', { d: hours(target.first_connect_timeout_minutes) })}
          </>
        )}
      </td>
      <td>
        {channelText(view, target)}
        <br />
        {t(target.record_input ? 'access.new.recordAll' : 'access.new.recordOutput')}
      </td>
      <td>
        {target.vendors.length === 0 ? (
          <span class="hint">{t('access.targets.noVendor')}</span>
        ) : (
          target.vendors.map((slug, i) => (
            <>
              {i > 0 && ', '}
              <Untrusted text={vendorNames.get(slug) ?? slug} />
            </>
          ))
        )}
      </td>
      <td>
        <a href={`/access?target=${encodeURIComponent(target.name)}`} aria-label={t('access.targets.requestsOf', { target: target.name })}>
          {t('access.targets.requests')}
        </a>
      </td>
    </tr>
  );
}

export const accessTargetPages: FastifyPluginAsync<AccessPageContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof TargetsQuery> }>(
    '/access/targets',
    { config: { access: { roles: PAGE_ROLES.accessTargets, tokens: false } }, schema: { querystring: TargetsQuery, hide: true } },
    async (request, reply) => {
      const now = ctx.now();
      const view = viewOf(request, now);
      const { t } = view;
      const site = request.query.site?.trim() || undefined;
      const all = await listTargets(ctx.db);
      const targets = site === undefined ? all : all.filter((target) => target.site === site);
      const sites = [...new Set(all.map((target) => target.site))].sort();
      const vendorNames = new Map((await listVendors(ctx.db)).map((v) => [v.slug, v.name]));
      // One judgement per gateway per view (several devices often sit behind one gateway).
      const gates = new Map<string, PostureGateResult>();
      for (const target of targets) if (!gates.has(target.gateway_host_id)) gates.set(target.gateway_host_id, await checkPostureGate(ctx, target.gateway_host_id, now));
      const closed = targets.filter((target) => !gates.get(target.gateway_host_id)!.ok).length;
      return sendPage(
        reply,
        <Layout view={view} title={t('access.targets.title')} freshness={now}>
          <p>
            <a href="/access">{t('access.back')}</a>
          </p>
          <p>{t('access.targets.intro')}</p>
          <p class="hint">{t('access.targets.howToAdd')}</p>
          <form method="get" action="/access/targets" class="filters" role="search" aria-label={t('access.filters')}>
            <label>
              {t('access.col.site')}
              <select name="site">
                <option value="">{t('access.all')}</option>
                {sites.map((s) => (
                  <option value={s} selected={site === s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">{t('access.apply')}</button>
          </form>
          {targets.length === 0 ? (
            <p role="status">{t('access.targets.none')}</p>
          ) : (
            <>
              <p role="status">{t('access.targets.count', { n: targets.length, closed })}</p>
              <table>
                <caption class="hint">{t('access.targets.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('access.col.target')}</th>
                    <th scope="col">{t('access.col.site')}</th>
                    <th scope="col">{t('access.new.class')}</th>
                    <th scope="col">{t('access.targets.gateway')}</th>
                    <th scope="col">{t('access.targets.reach')}</th>
                    <th scope="col">{t('access.targets.policy')}</th>
                    <th scope="col">{t('access.new.channels')}</th>
                    <th scope="col">{t('access.targets.vendors')}</th>
                    <th scope="col">{t('access.col.open')}</th>
                  </tr>
                </thead>
                <tbody>
                  {targets.map((target) => (
                    <TargetRow view={view} target={target} posture={gates.get(target.gateway_host_id)!} vendorNames={vendorNames} />
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Layout>,
      );
    },
  );
};
