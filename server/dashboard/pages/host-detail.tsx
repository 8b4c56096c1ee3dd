// Page 4, Fiche hôte: identity, every verdict with its explanation (observed vs expected, reference,
// waiver), the four exposures with their evidence, per-rule history over 90 days (since when),
// recent reports and the raw current report for auditors. Everything agent-supplied is text.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Report } from '../../../policies/evidence.js';
import { packFor } from '../../../policies/pack.js';
import { waiverActive, type Waiver } from '../../../policies/waiver.js';
import { findHost } from '../../db/hosts.js';
import { findReportBody } from '../../db/reports.js';
import { listWaivers } from '../../db/waivers.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { reportVerdicts } from '../../verdicts/verdict-details.js';
import { Layout } from '../components/layout.js';
import { Untrusted } from '../components/visible-text.js';
import { STATUS_ICONS, StatusBadge, type ShownStatus } from '../components/status.js';
import { freshnessJudge } from '../data/freshness.js';
import { hostRuleHistory, recentReports, since } from '../data/host-detail.js';
import { EXPOSURES, exposureOf } from '../data/rules.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

function coversHost(w: Waiver, host: { host_id: string; site: string; role: string }): boolean {
  const s = w.scope;
  if ('host_id' in s) return s.host_id === host.host_id;
  if ('site' in s && 'role' in s) return s.site === host.site && s.role === host.role;
  return 'site' in s ? s.site === host.site : s.role === host.role;
}

type Observed<T> = T | { unavailable: string };
const observed = <T,>(value: Observed<T> | undefined): T | null => (value === undefined || (typeof value === 'object' && value !== null && 'unavailable' in value) ? null : (value as T));
const unavailableReason = (value: unknown): string | null =>
  typeof value === 'object' && value !== null && 'unavailable' in value ? String((value as { unavailable: unknown }).unavailable) : null;

function Evidence({ view, report, exposure }: { view: View; report: Report; exposure: (typeof EXPOSURES)[number] }) {
  const { t } = view;
  if (exposure === 'flows') {
    const network = 'unavailable' in report.network ? null : report.network;
    if (network === null) return <p class="hint">{unavailableReason(report.network)}</p>;
    const listeners = observed(network.listeners as Observed<unknown[]>);
    if (listeners === null) return <p class="hint">{unavailableReason(network.listeners)}</p>;
    return (
      <table>
        <caption>{t('evidence.listeners')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('evidence.protocol')}</th>
            <th scope="col">{t('evidence.address')}</th>
            <th scope="col">{t('evidence.port')}</th>
            <th scope="col">{t('evidence.process')}</th>
          </tr>
        </thead>
        <tbody>
          {(listeners as Array<{ protocol: string; address: string; port: number; process: string | null }>).slice(0, 200).map((l) => (
            <tr>
              <td>{l.protocol}</td>
              <td>
                <bdi>{l.address}</bdi>
              </td>
              <td class="num">{l.port}</td>
              <td>
                <Untrusted text={l.process ?? '—'} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (exposure === 'wifi') {
    const wifi = observed(report.wifi as Observed<Report['wifi']>);
    if (wifi === null) return <p class="hint">{unavailableReason(report.wifi)}</p>;
    const profiles = observed(wifi.profiles as Observed<Array<{ ssid: string; key_management: string | null; autoconnect: boolean }>> | undefined);
    if (profiles === null) return <p class="hint">{unavailableReason(wifi.profiles) ?? t('evidence.noProfiles')}</p>;
    return (
      <table>
        <caption>{t('evidence.profiles')}</caption>
        <thead>
          <tr>
            <th scope="col">SSID</th>
            <th scope="col">{t('evidence.security')}</th>
            <th scope="col">{t('evidence.autoconnect')}</th>
          </tr>
        </thead>
        <tbody>
          {profiles.slice(0, 200).map((p) => (
            <tr>
              <td>
                <Untrusted text={p.ssid} />
              </td>
              <td>{p.key_management ?? t('evidence.open')}</td>
              <td>{p.autoconnect ? t('evidence.yes') : t('evidence.no')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  const section = exposure === 'backups' ? report.backups : report.mfa;
  return (
    <details>
      <summary>{t('evidence.section')}</summary>
      <pre class="raw">{JSON.stringify(section, null, 2)}</pre>
    </details>
  );
}

export const hostDetailPage: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get<{ Params: Static<typeof Params> }>(
    '/hosts/:id',
    { config: { access: { roles: PAGE_ROLES.fleet, tokens: false } }, schema: { params: Params, hide: true } },
    async (request, reply) => {
      const now = ctx.now();
      const view = viewOf(request, now);
      const { t, f, lang } = view;
      const host = await findHost(ctx.db, request.params.id);
      if (host === undefined) throw new ApiError(404, 'host_not_found', 'No such host.');
      const pack = packFor(host.role, host.site, ctx.packs, ctx.overlays);
      const [judged, history, reports, waivers, body] = await Promise.all([
        host.current_report_id === null ? undefined : reportVerdicts(ctx.db, host.current_report_id, pack, { host_id: host.host_id, hostname: host.enrolled_hostname }),
        hostRuleHistory(ctx.db, host.host_id, now),
        recentReports(ctx.db, host.host_id),
        listWaivers(ctx.db),
        host.current_report_id === null ? null : findReportBody(ctx.db, host.current_report_id),
      ]);
      const mine = waivers.filter((w) => coversHost(w, host));
      const activeByRule = new Map(mine.filter((w) => waiverActive(w, now)).map((w) => [w.rule_id, w]));
      const freshness = freshnessJudge(ctx.packs, ctx.overlays, now)({ role: host.role, site: host.site, collected_at: host.current_collected_at });
      const verdicts = judged?.verdicts ?? [];
      const title = (text: { fr: string; en: string }) => text[lang];

      return sendPage(
        reply,
        <Layout view={view} title={`${t('nav.hosts')} — ${host.hostname}`} freshness={host.last_seen_at}>
          <section aria-labelledby="id-h">
            <h2 id="id-h">{t('host.identity')}</h2>
            <dl class="facts">
              <dt>{t('hosts.hostname')}</dt>
              <dd>
                <Untrusted text={host.hostname} />
              </dd>
              <dt>{t('host.id')}</dt>
              <dd>
                <code>{host.host_id}</code>
              </dd>
              <dt>{t('hosts.site')}</dt>
              <dd>
                <a href={`/hosts?site=${encodeURIComponent(host.site)}`}>{host.site}</a>
              </dd>
              <dt>{t('hosts.role')}</dt>
              <dd>{host.role}</dd>
              <dt>{t('hosts.os')}</dt>
              <dd>
                <bdi>{`${host.os.platform} ${host.os.distro} ${host.os.release} (${host.os.arch})`}</bdi>
              </dd>
              <dt>{t('host.agent')}</dt>
              <dd>
                <bdi>{host.agent_version}</bdi>
              </dd>
              <dt>{t('host.enrolled')}</dt>
              <dd>{f.dateTime(host.enrolled_at)}</dd>
              <dt>{t('hosts.lastSeen')}</dt>
              <dd>{host.last_seen_at === null ? t('seen.never') : f.dateTime(host.last_seen_at)}</dd>
              <dt>{t('host.collected')}</dt>
              <dd>{host.current_collected_at === null ? '—' : f.dateTime(host.current_collected_at)}</dd>
              <dt>{t('host.pack')}</dt>
              <dd>{judged?.pack_label ?? '—'}</dd>
            </dl>
            {freshness === 'stale' && <p class="notice error" role="alert">{t('host.staleWarning')}</p>}
          </section>

          <section aria-labelledby="v-h">
            <h2 id="v-h">{t('host.verdicts')}</h2>
            {verdicts.length === 0 ? (
              <p>{t('host.noReport')}</p>
            ) : (
              <table class="verdicts">
                <thead>
                  <tr>
                    <th scope="col">{t('rules.rule')}</th>
                    <th scope="col">{t('host.status')}</th>
                    <th scope="col">{t('host.severity')}</th>
                    <th scope="col">{t('host.explanation')}</th>
                    <th scope="col">{t('host.threshold')}</th>
                    <th scope="col">{t('host.references')}</th>
                    <th scope="col">{t('host.waiver')}</th>
                  </tr>
                </thead>
                <tbody>
                  {verdicts.map((v) => {
                    const waiver = v.status === 'fail' || v.status === 'warn' ? activeByRule.get(v.rule_id) : undefined;
                    return (
                      <tr id={`rule-${v.rule_id}`}>
                        <th scope="row">
                          <a href={`/rules/${encodeURIComponent(v.rule_id)}`}>{v.rule_id}</a>
                          <br />
                          <span class="hint">{title(v.title)}</span>
                        </th>
                        <td>
                          <StatusBadge view={view} status={freshness === 'stale' && v.status === 'pass' ? 'unknown' : v.status} />
                        </td>
                        <td>{v.severity}</td>
                        <td>
                          <bdi>{title(v.explanation)}</bdi>
                        </td>
                        <td>{v.threshold ?? '—'}</td>
                        <td>{v.references.join(' ; ')}</td>
                        <td>
                          {waiver === undefined
                            ? '—'
                            : t('host.waiverUntil', { id: waiver.id, date: f.date(waiver.expires_at), why: waiver.justification })}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>

          {body && (
            <section aria-labelledby="exp-h">
              <h2 id="exp-h">{t('host.exposures')}</h2>
              {EXPOSURES.map((e) => (
                <>
                  <h3>{t(`exposure.${e}`)}</h3>
                  <ul>
                    {verdicts
                      .filter((v) => exposureOf(v.rule_id) === e)
                      .map((v) => (
                        <li>
                          <a href={`#rule-${v.rule_id}`}>{v.rule_id}</a> <StatusBadge view={view} status={v.status} /> — {title(v.title)}
                        </li>
                      ))}
                  </ul>
                  <Evidence view={view} report={body} exposure={e} />
                </>
              ))}
            </section>
          )}

          <section aria-labelledby="hist-h">
            <h2 id="hist-h">{t('host.history')}</h2>
            {history.audits.length === 0 ? (
              <p>{t('host.noHistory')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('rules.rule')}</th>
                    <th scope="col">{t('history.now')}</th>
                    <th scope="col">{t('history.since')}</th>
                    <th scope="col">{t('history.strip', { n: history.audits.length })}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...history.byRule].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rule, points]) => {
                    const start = since(points);
                    const last = points[points.length - 1]!;
                    return (
                      <tr>
                        <th scope="row">{rule}</th>
                        <td>
                          <StatusBadge view={view} status={last.status as ShownStatus} />
                        </td>
                        <td>{start === undefined ? '—' : f.date(start.day)}</td>
                        <td>
                          <span aria-hidden="true" class="strip">
                            {points.map((p) => STATUS_ICONS[p.status as ShownStatus] ?? '?').join('')}
                          </span>
                          <span class="sr-only">{t('history.counts', { fail: points.filter((p) => p.status === 'fail').length, n: points.length })}</span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="rep-h">
            <h2 id="rep-h">{t('host.reports')}</h2>
            <ul>
              {reports.map((r) => (
                <li>
                  <code>{r.report_id}</code> — {f.dateTime(r.collected_at)} ({t('host.received', { date: f.dateTime(r.received_at) })})
                  {r.pruned ? ` — ${t('host.pruned')}` : ''}
                </li>
              ))}
            </ul>
            {body && (
              <details>
                <summary>{t('host.raw')}</summary>
                <pre class="raw">{JSON.stringify(body, null, 2)}</pre>
              </details>
            )}
          </section>
        </Layout>,
      );
    },
  );
};
