// Page 2, Sites: per site, active hosts, compliance (latest audit day), hosts failing or with
// unknowns now, stale hosts (latest audit), telemaintenance gateways; each count links to its hosts.
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { hostStatesOn, latestTrendDay, siteCountsOn } from '../../db/trends.js';
import type { RouteContext } from '../../routes/context.js';
import { Layout } from '../components/layout.js';
import { emptyCounts, scoreOf, type StatusCounts } from '../data/posture.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf } from '../view.js';

interface SiteLive {
  site: string;
  hosts: number;
  failing: number;
  unknown: number;
  gateways: number;
}

async function liveBySite(ctx: RouteContext): Promise<SiteLive[]> {
  const rows = await ctx.db
    .selectFrom('hosts as h')
    .leftJoin('reports as r', 'r.report_id', 'h.current_report_id')
    .select([
      'h.site',
      sql<number | string>`count(*)`.as('hosts'),
      sql<number | string>`sum(case when r.fail > 0 then 1 else 0 end)`.as('failing'),
      sql<number | string>`sum(case when r.unknown > 0 then 1 else 0 end)`.as('unknown'),
      sql<number | string>`sum(case when h.role = 'telemaintenance-gateway' then 1 else 0 end)`.as('gateways'),
    ])
    .where('h.revoked_at', 'is', null)
    .groupBy('h.site')
    .orderBy('h.site')
    .execute();
  return rows.map((r) => ({ site: r.site, hosts: Number(r.hosts), failing: Number(r.failing ?? 0), unknown: Number(r.unknown ?? 0), gateways: Number(r.gateways ?? 0) }));
}

export const sitesPage: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get('/sites', { config: { access: { roles: PAGE_ROLES.fleet, tokens: false } }, schema: { hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const day = await latestTrendDay(ctx.db);
    const [live, counts, states] = await Promise.all([
      liveBySite(ctx),
      day === undefined ? Promise.resolve([]) : siteCountsOn(ctx.db, day),
      day === undefined ? Promise.resolve([]) : hostStatesOn(ctx.db, day),
    ]);
    const scores = new Map<string, StatusCounts>();
    for (const c of counts) {
      const s = scores.get(c.site) ?? emptyCounts();
      s[c.status] += c.hosts;
      scores.set(c.site, s);
    }
    const stale = new Map<string, number>();
    for (const s of states) if (s.state === 'stale') stale.set(s.site, (stale.get(s.site) ?? 0) + s.hosts);
    return sendPage(
      reply,
      <Layout view={view} title={t('nav.sites')} freshness={now}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('hosts.site')}</th>
              <th scope="col">{t('sites.hosts')}</th>
              <th scope="col">{t('sites.score')}</th>
              <th scope="col">{t('sites.failing')}</th>
              <th scope="col">{t('sites.unknown')}</th>
              <th scope="col">{t('sites.stale')}</th>
              <th scope="col">{t('sites.gateways')}</th>
            </tr>
          </thead>
          <tbody>
            {live.map((s) => {
              const q = `/hosts?site=${encodeURIComponent(s.site)}`;
              return (
                <tr>
                  <th scope="row">{s.site}</th>
                  <td class="num">
                    <a href={q}>{f.integer(s.hosts)}</a>
                  </td>
                  <td class="num">{f.percent(scoreOf(scores.get(s.site) ?? emptyCounts()))}</td>
                  <td class="num">
                    <a href={`${q}&any=fail`}>{f.integer(s.failing)}</a>
                  </td>
                  <td class="num">
                    <a href={`${q}&any=unknown`}>{f.integer(s.unknown)}</a>
                  </td>
                  <td class="num">{f.integer(stale.get(s.site) ?? 0)}</td>
                  <td class="num">
                    <a href={`${q}&role=telemaintenance-gateway`}>{f.integer(s.gateways)}</a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Layout>,
    );
  });
};
