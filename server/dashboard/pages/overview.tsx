// Page 1, Vue d'ensemble: what is wrong, where, since when, in one screen. Every count links to
// the list it counts, already filtered.
import type { FastifyPluginAsync } from 'fastify';
import { latestFinishedAudit } from '../../db/audits.js';
import { latestTrendDay } from '../../db/trends.js';
import type { RouteContext } from '../../routes/context.js';
import { RatioChart } from '../components/chart.js';
import { Layout } from '../components/layout.js';
import { StatusBadge } from '../components/status.js';
import { fleetFreshness, SEEN_BUCKETS, waiversExpiringWithin } from '../data/overview.js';
import { OPEN_ACCESS_STATES, telemaintenanceNow } from '../data/overview-access.js';
import { awaitingDecision } from '../data/awaiting-decision.js';
import { AwaitingDecisionSection } from '../components/awaiting-decision.js';
import { isReviewerRole } from '../../access/model.js';
import { accessActorOf } from './access-context.js';
import { countsByRule, scoreOf, scoreSeries, total, type StatusCounts } from '../data/posture.js';
import { EXPOSURES, exposureOf, ruleCatalogue } from '../data/rules.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf } from '../view.js';

const SHOWN: (keyof StatusCounts)[] = ['pass', 'warn', 'fail', 'unknown', 'not_applicable', 'waived'];
const EXPIRY_DAYS = 14;
const TOP_RULES = 10;

export const overviewPage: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get('/overview', { config: { access: { roles: PAGE_ROLES.fleet, tokens: false } }, schema: { hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f, lang } = view;
    const rules = ruleCatalogue(ctx.packs);
    const reader = accessActorOf(request);
    const [fleet, audit, day, expiring, access, awaiting] = await Promise.all([
      fleetFreshness(ctx.db, now),
      latestFinishedAudit(ctx.db),
      latestTrendDay(ctx.db),
      waiversExpiringWithin(ctx.db, now, EXPIRY_DAYS),
      telemaintenanceNow(ctx.db),
      awaitingDecision(ctx.db, reader),
    ]);
    // Every count is a link: the sessions count only for those who may open /sessions.
    const role = view.user?.role;
    const seesSessions = role !== undefined && (PAGE_ROLES.sessions as readonly string[]).includes(role);
    const byRule = day === undefined ? new Map<string, StatusCounts>() : await countsByRule(ctx.db, day);
    const all = total(byRule.values());
    const byExposure = new Map(EXPOSURES.map((e) => [e, total([...byRule].filter(([id]) => exposureOf(id) === e).map(([, c]) => c))]));
    const topFailing = [...byRule]
      .filter(([, c]) => c.fail > 0)
      .sort(([a, x], [b, y]) => y.fail - x.fail || (a < b ? -1 : 1))
      .slice(0, TOP_RULES);
    // One read of 90 days; the 30-day line is its end.
    const last90 = day === undefined ? [] : await scoreSeries(ctx.db, day, 90);
    const last30 = last90.slice(-30);

    return sendPage(
      reply,
      <Layout view={view} title={t('nav.overview')} freshness={fleet.lastSeen}>
        {isReviewerRole(reader.role) && <AwaitingDecisionSection view={view} awaiting={awaiting} />}
        <section aria-labelledby="seen-h">
          <h2 id="seen-h">{t('overview.seenTitle', { n: f.integer(fleet.total) })}</h2>
          <ul class="tiles">
            {SEEN_BUCKETS.map((b) => (
              <li>
                <a href={`/hosts?seen=${b}`}>
                  <span class="big">{f.integer(fleet.buckets[b])}</span> <span>{t(`seen.${b}`)}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>

        <section aria-labelledby="score-h">
          <h2 id="score-h">{t('overview.scoreTitle')}</h2>
          {day === undefined ? (
            <p>{t('overview.noAudit')}</p>
          ) : (
            <>
              <p class="big-line">
                <span class="big">{f.percent(scoreOf(all))}</span> {t('overview.scoreAsOf', { day: f.date(`${day}T12:00:00Z`) })}
              </p>
              <RatioChart view={view} id="c30" title={t('overview.trend30')} points={last30} />
              <RatioChart view={view} id="c90" title={t('overview.trend90')} points={last90} />
              <p>
                <a href="/trends">{t('overview.moreTrends')}</a>
              </p>
            </>
          )}
        </section>

        {day !== undefined && (
          <section aria-labelledby="exp-h">
            <h2 id="exp-h">{t('overview.exposuresTitle')}</h2>
            <p class="hint">{t('overview.exposuresHint')}</p>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('overview.exposure')}</th>
                  {SHOWN.map((s) => (
                    <th scope="col">
                      <StatusBadge view={view} status={s} />
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {EXPOSURES.map((e) => {
                  const c = byExposure.get(e)!;
                  return (
                    <tr>
                      <th scope="row">
                        <a href={`/rules?exposure=${e}`}>{t(`exposure.${e}`)}</a>
                      </th>
                      {SHOWN.map((s) => (
                        <td class="num">{f.integer(c[s])}</td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        )}

        {day !== undefined && (
          <section aria-labelledby="top-h">
            <h2 id="top-h">{t('overview.topTitle')}</h2>
            {topFailing.length === 0 ? (
              <p>{t('overview.noFailing')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('rules.rule')}</th>
                    <th scope="col">{t('rules.title')}</th>
                    <th scope="col">{t('overview.failingHosts')}</th>
                  </tr>
                </thead>
                <tbody>
                  {topFailing.map(([id, c]) => (
                    <tr>
                      <td>
                        <a href={`/rules/${encodeURIComponent(id)}`}>{id}</a>
                      </td>
                      <td>{rules.get(id)?.title[lang] ?? id}</td>
                      <td class="num">
                        <a href={`/hosts?rule=${encodeURIComponent(id)}&status=fail`}>{f.integer(c.fail)}</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        )}

        <section aria-labelledby="waivers-h">
          <h2 id="waivers-h">{t('overview.expiringTitle', { days: EXPIRY_DAYS })}</h2>
          {expiring.length === 0 ? (
            <p>{t('overview.noExpiring')}</p>
          ) : (
            <ul>
              {expiring.map((w) => (
                <li>
                  <a href={`/waivers#w-${w.waiver_id}`}>
                    {w.rule_id} — {w.scope_kind}:{w.scope_value}
                  </a>{' '}
                  {t('overview.expiresOn', { date: f.dateTime(w.expires_at) })}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="access-h">
          <h2 id="access-h">{t('overview.accessTitle')}</h2>
          <ul class="tiles">
            {OPEN_ACCESS_STATES.map((s) => (
              <li>
                <a href={`/access?state=${s}`}>
                  <span class="big">{f.integer(access.requests[s])}</span> <span>{t('overview.accessRequests', { state: t(`access.state.${s}`) })}</span>
                </a>
              </li>
            ))}
            {seesSessions && (
              <li>
                <a href="/sessions">
                  <span class="big">{f.integer(access.liveSessions)}</span> <span>{t('overview.liveSessions')}</span>
                </a>
              </li>
            )}
          </ul>
        </section>

        <section aria-labelledby="audit-h">
          <h2 id="audit-h">{t('overview.auditTitle')}</h2>
          {audit === undefined || audit.summary === null ? (
            <p>{t('overview.noAudit')}</p>
          ) : (
            <dl class="facts">
              <dt>{t('audits.startedAt')}</dt>
              <dd>{f.dateTime(audit.started_at)}</dd>
              <dt>{t('audits.score')}</dt>
              <dd>{f.percent(audit.summary.score)}</dd>
              <dt>{t('audits.findings')}</dt>
              <dd>{f.integer(audit.summary.findings)}</dd>
              <dt>{t('audits.newFailures')}</dt>
              <dd>{f.integer(audit.summary.new_failures)}</dd>
              <dt>{t('audits.fixed')}</dt>
              <dd>{f.integer(audit.summary.fixed)}</dd>
              <dt>{t('audits.report')}</dt>
              <dd>
                <a href={`/audits/${encodeURIComponent(audit.audit_id)}`}>{audit.audit_id}</a>
              </dd>
            </dl>
          )}
        </section>
      </Layout>,
    );
  });
};
