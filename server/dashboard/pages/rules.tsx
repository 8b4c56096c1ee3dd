// Page 5, Règles and Fiche règle: host counts per verdict from the latest audit day (each a link to
// the hosts it counts), the rule's why / what to do / references, its 90-day trend, the sites
// failing it most, and its waivers.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { latestTrendDay } from '../../db/trends.js';
import { listWaivers, formatScope } from '../../db/waivers.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { RatioChart } from '../components/chart.js';
import { Layout } from '../components/layout.js';
import { StatusBadge } from '../components/status.js';
import { countsByRule, emptyCounts, scoreSeries, type StatusCounts } from '../data/posture.js';
import { EXPOSURES, exposureOf, ruleCatalogue, type Exposure } from '../data/rules.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf } from '../view.js';

const SHOWN: (keyof StatusCounts)[] = ['pass', 'warn', 'fail', 'unknown', 'not_applicable', 'waived'];
const ACCESS = { roles: PAGE_ROLES.fleet, tokens: false } as const;
const ListQuery = Type.Object({ exposure: Type.Optional(Type.Enum(EXPOSURES)) }, { additionalProperties: false });
const Params = Type.Object({ id: Type.String({ pattern: '^[A-Z]{2,8}-[0-9]{2,3}$' }) }, { additionalProperties: false });

/** The hosts-page link of a count (waived = failing or warning but covered by a waiver). */
const hostsLink = (rule: string, status: keyof StatusCounts) => `/hosts?rule=${encodeURIComponent(rule)}${status === 'waived' ? '' : `&status=${status}`}`;

export const rulesPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/rules', { config: { access: ACCESS }, schema: { querystring: ListQuery, hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f, lang } = view;
    const exposure: Exposure | undefined = request.query.exposure;
    const day = await latestTrendDay(ctx.db);
    const counts = day === undefined ? new Map<string, StatusCounts>() : await countsByRule(ctx.db, day);
    const rules = [...ruleCatalogue(ctx.packs).values()].filter((r) => exposure === undefined || exposureOf(r.id) === exposure);
    return sendPage(
      reply,
      <Layout view={view} title={exposure === undefined ? t('nav.rules') : t('rules.exposureFilter', { name: t(`exposure.${exposure}`) })} freshness={day === undefined ? null : `${day}T12:00:00Z`}>
        <p>
          {exposure !== undefined && <a href="/rules">{t('rules.all')}</a>} {day !== undefined && t('rules.asOf', { day: f.date(`${day}T12:00:00Z`) })}
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('rules.rule')}</th>
              <th scope="col">{t('rules.title')}</th>
              <th scope="col">{t('rules.severity')}</th>
              {SHOWN.map((s) => (
                <th scope="col">
                  <StatusBadge view={view} status={s} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => {
              const c = counts.get(r.id) ?? emptyCounts();
              return (
                <tr>
                  <th scope="row">
                    <a href={`/rules/${r.id}`}>{r.id}</a>
                  </th>
                  <td>{r.title[lang]}</td>
                  <td>{r.severity}</td>
                  {SHOWN.map((s) => (
                    <td class="num">{c[s] === 0 || s === 'waived' ? f.integer(c[s]) : <a href={hostsLink(r.id, s)}>{f.integer(c[s])}</a>}</td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </Layout>,
    );
  });

  app.get<{ Params: Static<typeof Params> }>('/rules/:id', { config: { access: ACCESS }, schema: { params: Params, hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f, lang } = view;
    const rule = ruleCatalogue(ctx.packs).get(request.params.id);
    if (rule === undefined) throw new ApiError(404, 'rule_not_found', 'No such rule.');
    const day = await latestTrendDay(ctx.db);
    const [counts, bySite, trend, waivers] = await Promise.all([
      day === undefined ? Promise.resolve(new Map<string, StatusCounts>()) : countsByRule(ctx.db, day, { rule: rule.id }),
      day === undefined ? Promise.resolve([]) : siteFailures(ctx, day, rule.id),
      day === undefined ? Promise.resolve([]) : scoreSeries(ctx.db, day, 90, { rule: rule.id }),
      listWaivers(ctx.db).then((all) => all.filter((w) => w.rule_id === rule.id)),
    ]);
    const c = counts.get(rule.id) ?? emptyCounts();
    return sendPage(
      reply,
      <Layout view={view} title={`${rule.id} — ${rule.title[lang]}`} freshness={day === undefined ? null : `${day}T12:00:00Z`}>
        <dl class="facts">
          <dt>{t('rules.severity')}</dt>
          <dd>{rule.severity}</dd>
          <dt>{t('rules.roles')}</dt>
          <dd>{rule.roles.join(', ')}</dd>
          <dt>{t('rules.rationale')}</dt>
          <dd>{rule.rationale[lang]}</dd>
          <dt>{t('rules.remediation')}</dt>
          <dd>{rule.remediation[lang]}</dd>
          <dt>{t('host.references')}</dt>
          <dd>{rule.references.join(' ; ')}</dd>
        </dl>
        <ul class="tiles">
          {SHOWN.map((s) => (
            <li>
              <a href={hostsLink(rule.id, s)}>
                <span class="big">{f.integer(c[s])}</span> <StatusBadge view={view} status={s} />
              </a>
            </li>
          ))}
        </ul>
        {trend.length > 0 && <RatioChart view={view} id="rule90" title={t('rules.trend')} points={trend} />}
        <h2>{t('rules.sitesFailing')}</h2>
        {bySite.length === 0 ? (
          <p>{t('rules.none')}</p>
        ) : (
          <ul>
            {bySite.map((s) => (
              <li>
                <a href={`/hosts?site=${encodeURIComponent(s.site)}&rule=${rule.id}&status=fail`}>{s.site}</a> — {f.integer(s.hosts)}
              </li>
            ))}
          </ul>
        )}
        <h2>{t('rules.waivers')}</h2>
        {waivers.length === 0 ? (
          <p>{t('rules.none')}</p>
        ) : (
          <ul>
            {waivers.map((w) => (
              <li>
                <a href={`/waivers#w-${w.id}`}>{w.id}</a> — <bdi>{formatScope(w.scope)}</bdi> — {f.date(w.expires_at)}
              </li>
            ))}
          </ul>
        )}
      </Layout>,
    );
  });
};

async function siteFailures(ctx: RouteContext, day: string, rule: string): Promise<Array<{ site: string; hosts: number }>> {
  const rows = await ctx.db
    .selectFrom('trend_rule_counts')
    .select(['site', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
    .where('day', '=', day)
    .where('rule_id', '=', rule)
    .where('status', '=', 'fail')
    .groupBy('site')
    .execute();
  return rows.map((r) => ({ site: r.site, hosts: Number(r.hosts) })).sort((a, b) => b.hosts - a.hosts).slice(0, 10);
}
