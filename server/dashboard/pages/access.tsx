// Page 9, Télémaintenance: access requests by state (each count a link to its list), filters by
// state, target, vendor and site (GET parameters: a URL is a view), keyset paging, each request's
// quorum progress and its gateway's posture gate now. A vendor sees only its own requests and no
// gateway posture (as the access API answers it). The request page, the forms and the vendor's
// keys are in access-request.tsx and access-vendor.tsx.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { ACCESS_STATES, type AccessState } from '../../access/model.js';
import { listTargets } from '../../access/targets-store.js';
import { vendorOfUser } from '../../access/vendors-store.js';
import { AccessPostureRow, ACCESS_LIST_COLUMNS } from '../components/access-list-row.js';
import { Layout } from '../components/layout.js';
import { accessListPage, parseCursor, type AccessListFilter } from '../data/access-requests.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';
import { accessActorOf, type AccessPageContext } from './access-context.js';

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 16 })),
    target: Type.Optional(Type.String({ maxLength: 63 })),
    vendor: Type.Optional(Type.String({ maxLength: 63 })),
    site: Type.Optional(Type.String({ maxLength: 64 })),
    after: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

/** The filter a query asks for; empty fields (a form's "all") are no filter. */
export function accessFilterOf(q: ListQuery): AccessListFilter {
  const filled = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const state = filled(q.state);
  return {
    ...(state !== undefined && (ACCESS_STATES as readonly string[]).includes(state) ? { state: state as AccessState } : {}),
    ...(filled(q.target) === undefined ? {} : { target: filled(q.target)! }),
    ...(filled(q.vendor) === undefined ? {} : { vendor: filled(q.vendor)! }),
    ...(filled(q.site) === undefined ? {} : { site: filled(q.site)! }),
  };
}

export function accessListUrl(filter: AccessListFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...extra })) if (v !== undefined) params.set(k, v);
  const query = params.toString();
  return query === '' ? '/access' : `/access?${query}`;
}

function Filters({ view, filter, page, isVendor }: { view: View; filter: AccessListFilter; page: Awaited<ReturnType<typeof accessListPage>>; isVendor: boolean }) {
  const { t } = view;
  return (
    <form method="get" action="/access" class="filters" role="search" aria-label={t('access.filters')}>
      <label>
        {t('access.col.state')}
        <select name="state">
          <option value="">{t('access.all')}</option>
          {ACCESS_STATES.map((s) => (
            <option value={s} selected={filter.state === s}>
              {t(`access.state.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('access.col.target')}
        <select name="target">
          <option value="">{t('access.all')}</option>
          {page.targets.map((target) => (
            <option value={target.name} selected={filter.target === target.name}>
              {target.name}
            </option>
          ))}
        </select>
      </label>
      {!isVendor && (
        <label>
          {t('access.col.vendor')}
          <select name="vendor">
            <option value="">{t('access.all')}</option>
            {page.vendors.map((v) => (
              <option value={v.slug} selected={filter.vendor === v.slug}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t('access.col.site')}
        <select name="site">
          <option value="">{t('access.all')}</option>
          {page.sites.map((s) => (
            <option value={s} selected={filter.site === s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">{t('access.apply')}</button>
      <a href="/access">{t('access.reset')}</a>
    </form>
  );
}

export const accessListPages: FastifyPluginAsync<AccessPageContext> = async (app, ctx) => {
  app.get<{ Querystring: ListQuery }>(
    '/access',
    { config: { access: { roles: PAGE_ROLES.access, tokens: false } }, schema: { querystring: ListQuery, hide: true } },
    async (request, reply) => {
      const now = ctx.now();
      const view = viewOf(request, now);
      const { t, f } = view;
      const who = accessActorOf(request);
      const isVendor = who.role === 'vendor';
      const filter = accessFilterOf(request.query);
      const after = parseCursor(request.query.after);
      const page = await accessListPage(ctx, filter, { ...(isVendor ? { requester_id: who.user_id } : {}), showPosture: !isVendor }, after, now);
      const names = new Map(page.vendors.map((v) => [v.slug, v.name]));
      // A vendor's choices are the targets its company may ask for, and no other vendor's name.
      if (isVendor) {
        const vendor = await vendorOfUser(ctx.db, who.user_id);
        page.targets = vendor === undefined ? [] : await listTargets(ctx.db, { vendor_id: vendor.vendor_id });
        page.sites = [...new Set(page.targets.map((target) => target.site))].sort();
        page.vendors = [];
      }
      const { state: _state, ...withoutState } = filter;
      const canRequest = (PAGE_ROLES.accessRequesters as readonly string[]).includes(who.role);
      const seesTargets = (PAGE_ROLES.accessTargets as readonly string[]).includes(who.role);
      return sendPage(
        reply,
        <Layout view={view} title={t('nav.access')} freshness={now}>
          <p>{t(isVendor ? 'access.introVendor' : 'access.intro')}</p>
          {(canRequest || seesTargets) && (
            <p>
              {canRequest && (
                <>
                  <a href="/access/new">{t('access.newRequest')}</a> · <a href="/access/keys">{t('access.myKeys')}</a>
                </>
              )}
              {canRequest && seesTargets && ' · '}
              {seesTargets && <a href="/access/targets">{t('access.targets.link')}</a>}
            </p>
          )}
          <section aria-labelledby="by-state-h">
            <h2 id="by-state-h">{t('access.byState')}</h2>
            <ul class="tiles">
              {ACCESS_STATES.map((s) => (
                <li>
                  <a href={accessListUrl({ ...withoutState, state: s })} aria-current={filter.state === s ? 'true' : undefined}>
                    <span class="big">{f.integer(page.counts[s])}</span> {t(`access.state.${s}`)}
                  </a>
                </li>
              ))}
            </ul>
          </section>
          <h2>{t('access.filters')}</h2>
          <Filters view={view} filter={filter} page={page} isVendor={isVendor} />
          {page.rows.length === 0 ? (
            <p role="status">{t('access.none')}</p>
          ) : (
            <table>
              <caption class="hint">{t('access.caption')}</caption>
              <thead>
                <tr>
                  {ACCESS_LIST_COLUMNS.filter((c) => !(isVendor && (c === 'posture' || c === 'vendor'))).map((c) => (
                    <th scope="col">{t(`access.col.${c}`)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {page.rows.map((row) => (
                  <AccessPostureRow view={view} row={row} names={names} isVendor={isVendor} />
                ))}
              </tbody>
            </table>
          )}
          <nav class="pager" aria-label={t('access.pages')}>
            {after !== null && <a href={accessListUrl(filter)}>{t('access.first')}</a>}
            {page.next !== null && <a href={accessListUrl(filter, { after: page.next })}>{t('access.next')}</a>}
          </nav>
        </Layout>,
      );
    },
  );
};
