// Page 7, Audits nocturnes: the runs with their headline figures, each report's downloads (JSON,
// HTML, CSV through the API) with the SHA-256 of the JSON, the diff with the previous run, and an
// "as of date" view read from the trend table.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { loadAuditReport } from '../../audit/formats.js';
import { listAudits } from '../../db/audits.js';
import { latestTrendDay } from '../../db/trends.js';
import { ApiError } from '../../errors.js';
import type { RouteContext } from '../../routes/context.js';
import { Layout } from '../components/layout.js';
import { Untrusted } from '../components/visible-text.js';
import { countsByRule, scoreOf, total } from '../data/posture.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf } from '../view.js';

const ACCESS = { roles: PAGE_ROLES.audits, tokens: false } as const;
const ListQuery = Type.Object({ asof: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })) }, { additionalProperties: false });
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }) }, { additionalProperties: false });

export const auditsPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/audits', { config: { access: ACCESS }, schema: { querystring: ListQuery, hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const audits = await listAudits(ctx.db, { limit: 60, offset: 0 });
    const asof = request.query.asof;
    const used = asof === undefined ? undefined : await latestTrendDay(ctx.db, asof);
    const asofCounts = used === undefined ? undefined : total((await countsByRule(ctx.db, used)).values());
    return sendPage(
      reply,
      <Layout view={view} title={t('nav.audits')} freshness={audits[0]?.finished_at ?? null}>
        <section aria-labelledby="asof-h">
          <h2 id="asof-h">{t('audits.asOf')}</h2>
          <form method="get" action="/audits" class="filters">
            <label>
              {t('audits.asOfLabel')}
              <input type="date" name="asof" value={asof ?? ''} required />
            </label>
            <button type="submit">{t('audits.asOfShow')}</button>
          </form>
          {asof !== undefined && (
            <p role="status">
              {used === undefined || asofCounts === undefined
                ? t('audits.none')
                : `${t('audits.asOfResult', { day: f.date(`${asof}T12:00:00Z`), used: f.date(`${used}T12:00:00Z`) })} ${t('audits.score')} : ${f.percent(scoreOf(asofCounts))} — ${t('status.fail')} : ${f.integer(asofCounts.fail)}, ${t('status.unknown')} : ${f.integer(asofCounts.unknown)}, ${t('status.waived')} : ${f.integer(asofCounts.waived)}`}
            </p>
          )}
        </section>
        <h2>{t('audits.runs')}</h2>
        {audits.length === 0 ? (
          <p>{t('audits.none')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('audits.startedAt')}</th>
                <th scope="col">{t('audits.trigger')}</th>
                <th scope="col">{t('audits.hosts')}</th>
                <th scope="col">{t('audits.score')}</th>
                <th scope="col">{t('audits.findings')}</th>
                <th scope="col">{t('audits.critical')}</th>
                <th scope="col">{t('audits.newFailures')}</th>
                <th scope="col">{t('audits.fixed')}</th>
                <th scope="col">{t('audits.stale')}</th>
              </tr>
            </thead>
            <tbody>
              {audits.map((a) => (
                <tr>
                  <td>
                    <a href={`/audits/${encodeURIComponent(a.audit_id)}`}>{f.dateTime(a.started_at)}</a>
                  </td>
                  <td>{a.trigger}</td>
                  <td class="num">{f.integer(a.host_count)}</td>
                  <td class="num">{f.percent(a.summary?.score ?? null)}</td>
                  <td class="num">{f.integer(a.summary?.findings ?? 0)}</td>
                  <td class="num">{f.integer(a.summary?.critical ?? 0)}</td>
                  <td class="num">{f.integer(a.summary?.new_failures ?? 0)}</td>
                  <td class="num">{f.integer(a.summary?.fixed ?? 0)}</td>
                  <td class="num">{f.integer(a.summary?.stale ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Layout>,
    );
  });

  app.get<{ Params: Static<typeof Params> }>('/audits/:id', { config: { access: ACCESS }, schema: { params: Params, hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f, lang } = view;
    const stored = await loadAuditReport(ctx.db, request.params.id);
    if (stored === undefined) throw new ApiError(404, 'audit_not_found', 'No such audit.');
    const { report } = stored;
    const id = encodeURIComponent(report.audit_id);
    const findingRow = (x: { host_id: string; hostname: string; site: string; rule_id: string; status: string; explanation: { fr: string; en: string } | null }) => (
      <tr>
        <td>
          <a href={`/hosts/${encodeURIComponent(x.host_id)}`}>
            <Untrusted text={x.hostname} />
          </a>
        </td>
        <td>{x.site}</td>
        <td>
          <a href={`/rules/${encodeURIComponent(x.rule_id)}`}>{x.rule_id}</a>
        </td>
        <td>{t(`status.${x.status as 'fail'}`)}</td>
        <td>
          <bdi>{x.explanation?.[lang] ?? '—'}</bdi>
        </td>
      </tr>
    );
    const list = (title: string, items: typeof report.diff.new_failures.items, totalCount: number) => (
      <>
        <h3>{`${title} (${f.integer(totalCount)})`}</h3>
        {items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('hosts.hostname')}</th>
                <th scope="col">{t('hosts.site')}</th>
                <th scope="col">{t('rules.rule')}</th>
                <th scope="col">{t('host.status')}</th>
                <th scope="col">{t('host.explanation')}</th>
              </tr>
            </thead>
            <tbody>{items.slice(0, 200).map(findingRow)}</tbody>
          </table>
        )}
      </>
    );
    return sendPage(
      reply,
      <Layout view={view} title={`${t('nav.audits')} — ${f.dateTime(report.started_at)}`} freshness={report.finished_at}>
        <dl class="facts">
          <dt>{t('audits.trigger')}</dt>
          <dd>{report.trigger}</dd>
          <dt>{t('audits.hosts')}</dt>
          <dd>{f.integer(report.hosts.total)}</dd>
          <dt>{t('audits.score')}</dt>
          <dd>{f.percent(report.overall.score)}</dd>
          <dt>{t('audits.sha256')}</dt>
          <dd>
            <code>{stored.record.report_sha256}</code>
          </dd>
          <dt>{t('audits.downloads')}</dt>
          <dd>
            <a href={`/api/v1/audits/${id}?format=json`}>JSON</a> · <a href={`/api/v1/audits/${id}?format=html&lang=${lang}`}>HTML</a> ·{' '}
            <a href={`/api/v1/audits/${id}?format=csv&lang=${lang}`}>CSV</a>
          </dd>
        </dl>
        <h2>{t('audits.diff')}</h2>
        {list(t('audits.newFailures'), report.diff.new_failures.items, report.diff.new_failures.total)}
        {list(t('audits.fixed'), report.diff.fixed.items, report.diff.fixed.total)}
        <h3>{`${t('audits.newHosts')} (${f.integer(report.diff.new_hosts.total)})`}</h3>
        <ul>
          {report.diff.new_hosts.items.slice(0, 200).map((h) => (
            <li>
              <Untrusted text={h.hostname} /> ({h.site})
            </li>
          ))}
        </ul>
        <h3>{`${t('audits.vanished')} (${f.integer(report.diff.vanished_hosts.total)})`}</h3>
        <ul>
          {report.diff.vanished_hosts.items.slice(0, 200).map((h) => (
            <li>
              <Untrusted text={h.hostname} /> ({h.site})
            </li>
          ))}
        </ul>
        {list(t('audits.findings'), report.findings.items, report.findings.total)}
      </Layout>,
    );
  });
};
