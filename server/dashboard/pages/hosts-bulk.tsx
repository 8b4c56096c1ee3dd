// The hosts page's bulk action: waive one rule for every host of the current filter (RSSI only).
// GET shows the filter, how many hosts it touches, the first of them and the form; POST applies
// the filter again on the server and creates nothing unless it still selects exactly the number
// the RSSI confirmed. Refused: an empty filter, a filter without a rule and a fail/warn verdict,
// revoked hosts, more than MAX_BULK_WAIVER_HOSTS hosts. CSRF is the guard's (form field).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { auditConfigOf } from '../../audit/config.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { createHostWaivers, MAX_BULK_WAIVER_HOSTS } from '../../waivers/bulk.js';
import { WaiverInputError } from '../../waivers/create.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { Untrusted } from '../components/visible-text.js';
import { bulkWaiverSelection, selectedHostIds, type BulkSelection } from '../data/hosts-bulk.js';
import { filterQuery, hostFilterOf, hostsPage, type HostFilter } from '../data/hosts.js';
import { ruleCatalogue } from '../data/rules.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const ACCESS = { roles: ['rssi'], tokens: false } as const;
const PREVIEW = 20;
const FILTER_KEYS = ['site', 'role', 'rule', 'status', 'any', 'platform', 'seen', 'q', 'revoked'] as const;
const Field = Type.Optional(Type.String({ maxLength: 200 }));
const FilterFields = Object.fromEntries(FILTER_KEYS.map((k) => [k, Field])) as Record<(typeof FILTER_KEYS)[number], typeof Field>;
const FilterQuery = Type.Object(FilterFields, { additionalProperties: false });
const CreateBody = Type.Object(
  {
    ...FilterFields,
    [CSRF_FIELD]: Type.Optional(Type.String({ maxLength: 64 })),
    expected: Type.String({ pattern: '^[0-9]{1,7}$' }),
    justification: Type.String({ maxLength: 4000 }),
    expires: Type.String({ maxLength: 10 }),
    confirm: Type.Optional(Type.String({ maxLength: 8 })),
  },
  { additionalProperties: false },
);
type Body = Static<typeof CreateBody>;

/** The filter as hidden fields: the POST carries the filter, never a list of host ids. */
function FilterFieldsHidden({ filter }: { filter: HostFilter }) {
  const params = new URLSearchParams(filterQuery(filter));
  return (
    <>
      {[...params.entries()].map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

function FilterSummary({ view, filter }: { view: View; filter: HostFilter }) {
  const params = [...new URLSearchParams(filterQuery(filter)).entries()];
  return (
    <dl class="facts">
      {params.map(([name, value]) => (
        <>
          <dt>
            <code>{name}</code>
          </dt>
          <dd>
            <Untrusted text={value} />
          </dd>
        </>
      ))}
      {params.length === 0 && <dd>{view.t('hosts.all')}</dd>}
    </dl>
  );
}

export const bulkWaiverPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const timeZone = auditConfigOf(ctx.config).timezone;

  async function render(request: FastifyRequest, filter: HostFilter, selection: BulkSelection, problem?: string, form?: Body) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f, lang } = view;
    const rule = filter.rule === undefined ? undefined : ruleCatalogue(ctx.packs).get(filter.rule);
    const preview = selection.refusal === null ? (await hostsPage(ctx.db, filter, null, now, PREVIEW)).rows : [];
    const n = f.integer(selection.count);
    return (
      <Layout view={view} title={t('bulk.title')} freshness={now}>
        <p>{t('bulk.intro')}</p>
        <h2>{t('bulk.filterTitle')}</h2>
        <FilterSummary view={view} filter={filter} />
        <p>
          <a href={`/hosts${filterQuery(filter)}`}>{t('bulk.back')}</a>
        </p>
        {problem !== undefined && <Notice kind="error">{problem}</Notice>}
        {selection.refusal !== null ? (
          <Notice kind="error">{t(`bulk.refusal.${selection.refusal}`, { n, max: f.integer(MAX_BULK_WAIVER_HOSTS) })}</Notice>
        ) : (
          <>
            <p role="status">
              <strong>{t('bulk.count', { n, rule: filter.rule ?? '', title: rule?.title[lang] ?? '' })}</strong>
            </p>
            <table>
              <caption>{t('bulk.preview', { shown: f.integer(preview.length), n })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('hosts.hostname')}</th>
                  <th scope="col">{t('hosts.site')}</th>
                  <th scope="col">{t('hosts.role')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.map((row) => (
                  <tr>
                    <td>
                      <a href={`/hosts/${encodeURIComponent(row.host_id)}`} class="rtl-safe">
                        <Untrusted text={row.hostname} />
                      </a>
                    </td>
                    <td>{row.site}</td>
                    <td>{row.role}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p>
              <a href={`/hosts${filterQuery(filter)}`}>{t('bulk.fullList', { n })}</a>
            </p>
            <form method="post" action="/hosts/bulk-waiver" class="stacked narrow">
              <CsrfField view={view} />
              <FilterFieldsHidden filter={filter} />
              <input type="hidden" name="expected" value={String(selection.count)} />
              <label for="justification">{t('waivers.justification')}</label>
              <textarea id="justification" name="justification" required minlength={10} maxlength={2000} rows={3}>
                {form?.justification ?? ''}
              </textarea>
              <label for="expires">{t('waivers.expires')}</label>
              <input id="expires" name="expires" type="date" required value={form?.expires ?? ''} />
              <label>
                <input type="checkbox" name="confirm" value="yes" required /> {t('bulk.confirm', { n })}
              </label>
              <button type="submit">{t('bulk.submit', { n })}</button>
            </form>
          </>
        )}
      </Layout>
    );
  }

  app.get<{ Querystring: Static<typeof FilterQuery> }>('/hosts/bulk-waiver', { config: { access: ACCESS }, schema: { querystring: FilterQuery, hide: true } }, async (request, reply) => {
    const filter = hostFilterOf(request.query);
    const selection = await bulkWaiverSelection(ctx.db, filter, ctx.now(), MAX_BULK_WAIVER_HOSTS);
    return sendPage(reply, await render(request, filter, selection), selection.refusal === null || selection.refusal === 'no_host' ? 200 : 400);
  });

  app.post<{ Body: Body }>(
    '/hosts/bulk-waiver',
    { config: { access: ACCESS }, bodyLimit: 16 * 1024, schema: { body: CreateBody, hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Sessions only.');
      const now = ctx.now();
      const t = viewOf(request, now).t;
      const body = request.body;
      const filter = hostFilterOf(body);
      const selection = await bulkWaiverSelection(ctx.db, filter, now, MAX_BULK_WAIVER_HOSTS);
      if (selection.refusal !== null) return sendPage(reply, await render(request, filter, selection, undefined, body), 400);
      const expected = Number(body.expected);
      if (selection.count !== expected) {
        const problem = t('bulk.changed', { n: String(selection.count), expected: String(expected) });
        return sendPage(reply, await render(request, filter, selection, problem, body), 409);
      }
      if (body.confirm !== 'yes') return sendPage(reply, await render(request, filter, selection, t('bulk.notConfirmed'), body), 400);
      const hostIds = await selectedHostIds(ctx.db, filter, now, MAX_BULK_WAIVER_HOSTS);
      if (hostIds.length !== expected) {
        // The fleet moved between the count and the read: same answer as above, nothing created.
        const problem = t('bulk.changed', { n: String(hostIds.length), expected: String(expected) });
        return sendPage(reply, await render(request, filter, { ...selection, count: hostIds.length }, problem, body), 409);
      }
      try {
        const result = await createHostWaivers(
          ctx.db,
          { rule: filter.rule ?? '', hostIds, justification: body.justification, approver: principal.user.username, expires: body.expires, selection: filterQuery(filter) },
          { packs: ctx.packs, now, timeZone, actor: actorOf(principal) },
        );
        return redirectTo(reply, `/hosts${filterQuery(filter, { bulk: String(result.auditSeq) })}`);
      } catch (error) {
        if (!(error instanceof WaiverInputError)) throw error;
        return sendPage(reply, await render(request, filter, selection, t('bulk.refused', { reason: error.message }), body), 400);
      }
    },
  );
};
