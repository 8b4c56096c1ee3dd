// Tendances: compliance over 30, 90 or 365 days for the GHT or a filter (site, role, rule), as an
// inline SVG line with the same numbers in a table, per-site start/end comparison, and the daily
// counts. Everything comes from the trend tables the nightly audit writes (server/db/trends.ts).
import type { FastifyPluginAsync } from 'fastify';
import { HOST_ROLES } from '../../../policies/evidence.js';
import type { TrendFilter } from '../../db/trends.js';
import type { RouteContext } from '../../routes/context.js';
import { RatioChart } from '../components/chart.js';
import { Layout } from '../components/layout.js';
import { RULE_ID_PATTERN, siteNames } from '../data/hosts.js';
import { scoreOf } from '../data/posture.js';
import { ruleCatalogue } from '../data/rules.js';
import { TREND_WINDOWS, trendView, type SiteTrend, type TrendWindow } from '../data/trends-view.js';
import { parisDay } from '../i18n/format.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

type Query = Record<string, string | undefined>;
const noon = (day: string) => `${day}T12:00:00Z`;
const SITE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function windowOf(value: string | undefined): TrendWindow {
  const n = Number(value);
  return (TREND_WINDOWS as readonly number[]).includes(n) ? (n as TrendWindow) : 90;
}

function trendQuery(window: TrendWindow, filter: TrendFilter, changes: Partial<Record<'days' | 'site' | 'role' | 'rule', string>> = {}): string {
  const params = new URLSearchParams();
  const merged = { days: String(window), site: filter.site, role: filter.role, rule: filter.rule, ...changes };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') params.set(k, v);
  return `?${params.toString()}`;
}

function Delta({ view, site }: { view: View; site: SiteTrend }) {
  const { t, f } = view;
  const a = site.first?.score ?? null;
  const b = site.last?.score ?? null;
  if (a === null || b === null) return <>—</>;
  const d = b - a;
  const kind = Math.abs(d) < 0.0005 ? 'flat' : d > 0 ? 'up' : 'down';
  const arrow = kind === 'flat' ? '→' : kind === 'up' ? '↗' : '↘';
  return (
    <span class={`trend-${kind}`}>
      <span aria-hidden="true">{arrow} </span>
      {`${d > 0 ? '+' : ''}${f.percent(d)}`} ({t(`trends.${kind}`)})
    </span>
  );
}

export const trendsPage: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get<{ Querystring: Query }>('/trends', { config: { access: { roles: PAGE_ROLES.fleet, tokens: false } }, schema: { hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const window = windowOf(request.query.days);
    const sites = await siteNames(ctx.db);
    const rules = [...ruleCatalogue(ctx.packs).keys()];
    const q = request.query;
    const filter: TrendFilter = {
      // A site may have trend rows but no host any more: any well-formed name is accepted.
      site: q.site !== undefined && SITE_PATTERN.test(q.site) ? q.site : undefined,
      role: q.role !== undefined && (HOST_ROLES as readonly string[]).includes(q.role) ? q.role : undefined,
      rule: q.rule !== undefined && RULE_ID_PATTERN.test(q.rule) ? q.rule : undefined,
    };
    const to = parisDay(now);
    const trend = await trendView(ctx.db, to, window, filter);
    const audited = trend.days.filter((d) => d.counts !== null);
    const first = audited[0];
    const last = audited[audited.length - 1];
    const points = trend.days.map((d) => ({ day: d.day, value: d.counts === null ? null : scoreOf(d.counts) }));
    const title = t('trends.chartTitle', { from: f.date(noon(trend.from)), to: f.date(noon(trend.to)) });
    const option = (value: string, label: string, selected: string | undefined) => (
      <option value={value} selected={value === (selected ?? '')}>
        {label}
      </option>
    );
    return sendPage(
      reply,
      <Layout view={view} title={t('nav.trends')} freshness={last === undefined ? null : noon(last.day)}>
        <p>{t('trends.intro')}</p>
        <nav aria-label={t('trends.window')} class="pager">
          {TREND_WINDOWS.map((w) => (
            <a href={`/trends${trendQuery(window, filter, { days: String(w) })}`} aria-current={w === window ? 'page' : undefined}>
              {t('trends.days', { n: w })}
            </a>
          ))}
        </nav>
        <form method="get" action="/trends" class="filters" role="search" aria-label={t('trends.filters')}>
          <input type="hidden" name="days" value={String(window)} />
          <label>
            {t('hosts.site')}
            <select name="site">
              {option('', t('hosts.all'), filter.site)}
              {[...new Set([...sites, ...trend.sites.map((x) => x.site), ...(filter.site === undefined ? [] : [filter.site])])].sort().map((s) => option(s, s, filter.site))}
            </select>
          </label>
          <label>
            {t('hosts.role')}
            <select name="role">
              {option('', t('hosts.all'), filter.role)}
              {HOST_ROLES.map((r) => option(r, r, filter.role))}
            </select>
          </label>
          <label>
            {t('rules.rule')}
            <select name="rule">
              {option('', t('hosts.all'), filter.rule)}
              {rules.map((r) => option(r, r, filter.rule))}
            </select>
          </label>
          <button type="submit">{t('hosts.apply')}</button>
          <a href={`/trends?days=${window}`}>{t('hosts.reset')}</a>
        </form>
        {audited.length === 0 ? (
          <p>{t('trends.noData')}</p>
        ) : (
          <>
            <RatioChart view={view} id="trend" title={title} points={points} />
            {first !== undefined && last !== undefined && (
              <p>{t('trends.change', { from: f.percent(scoreOf(first.counts!)), to: f.percent(scoreOf(last.counts!)) })}</p>
            )}
            {filter.site === undefined && trend.sites.length > 0 && (
              <section aria-labelledby="sites-h">
                <h2 id="sites-h">{t('trends.sitesTitle')}</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('trends.site')}</th>
                      <th scope="col">{t('trends.first')}</th>
                      <th scope="col">{t('trends.last')}</th>
                      <th scope="col">{t('trends.delta')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {trend.sites.map((s) => (
                      <tr>
                        <th scope="row">
                          <a href={`/trends${trendQuery(window, filter, { site: s.site })}`}>{s.site}</a>
                        </th>
                        <td>{s.first === null ? '—' : `${f.percent(s.first.score)} (${f.date(noon(s.first.day))})`}</td>
                        <td>{s.last === null ? '—' : `${f.percent(s.last.score)} (${f.date(noon(s.last.day))})`}</td>
                        <td>
                          <Delta view={view} site={s} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            )}
            <section aria-labelledby="daily-h">
              <h2 id="daily-h">{t('trends.tableTitle')}</h2>
              <details open={window === 30}>
                <summary>{t('chart.data')}</summary>
                <table class="daily">
                  <thead>
                    <tr>
                      <th scope="col">{t('trends.day')}</th>
                      <th scope="col" class="num">
                        {t('trends.score')}
                      </th>
                      {(['pass', 'warn', 'fail', 'unknown', 'waived'] as const).map((s) => (
                        <th scope="col" class="num">
                          {t(`status.${s}`)}
                        </th>
                      ))}
                      <th scope="col" class="num">
                        {t('trends.assessed')}
                      </th>
                      <th scope="col" class="num">
                        {t('trends.stale')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...trend.days].reverse().map((d) =>
                      d.counts === null ? (
                        <tr>
                          <th scope="row">{f.date(noon(d.day))}</th>
                          <td colSpan={8} class="hint">
                            {t('trends.noAudit')}
                          </td>
                        </tr>
                      ) : (
                        <tr>
                          <th scope="row">{f.date(noon(d.day))}</th>
                          <td class="num">{f.percent(scoreOf(d.counts))}</td>
                          {(['pass', 'warn', 'fail', 'unknown', 'waived'] as const).map((s) => (
                            <td class="num">{f.integer(d.counts![s])}</td>
                          ))}
                          <td class="num">{d.hosts === null ? '—' : f.integer(d.hosts.assessed)}</td>
                          <td class="num">{d.hosts === null ? '—' : f.integer(d.hosts.stale + d.hosts.never_reported)}</td>
                        </tr>
                      ),
                    )}
                  </tbody>
                </table>
              </details>
            </section>
          </>
        )}
      </Layout>,
    );
  });
};
