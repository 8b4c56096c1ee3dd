// Page 3, Hôtes: the fleet as a keyset-paged table whose filters are GET parameters (a URL is a
// view to bookmark), with CSV (BOM) and JSON exports of exactly the filtered view, streamed.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { HOST_ROLES } from '../../../policies/evidence.js';
import { VERDICT_STATUSES } from '../../../policies/verdict.js';
import type { RouteContext } from '../../routes/context.js';
import { listAuditEntries } from '../../auditlog/auditlog.js';
import { MAX_BULK_WAIVER_HOSTS } from '../../waivers/bulk.js';
import { Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { Untrusted } from '../components/visible-text.js';
import { StatusBadge } from '../components/status.js';
import { allHosts, ANY_STATUSES, countHosts, countHostsUpTo, decodeCursor, HOST_COUNT_CAP, type HostCount, encodeCursor, filterQuery, hostFilterOf, hostsPage, siteNames, type HostFilter, type HostRow } from '../data/hosts.js';
import { freshnessJudge, type HostFreshness } from '../data/freshness.js';
import { SEEN_BUCKETS } from '../data/overview.js';
import { ruleCatalogue } from '../data/rules.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const FLEET_ACCESS = { roles: PAGE_ROLES.fleet, tokens: false } as const;
type Query = Record<string, string | undefined>;

function Filters({ view, filter, sites, rules }: { view: View; filter: HostFilter; sites: string[]; rules: string[] }) {
  const { t } = view;
  const option = (value: string, label: string, selected: string | undefined) => (
    <option value={value} selected={value === selected}>
      {label}
    </option>
  );
  return (
    <form method="get" action="/hosts" class="filters" role="search" aria-label={t('hosts.filters')}>
      <label>
        {t('hosts.site')}
        <select name="site">
          {option('', t('hosts.all'), filter.site ?? '')}
          {sites.map((s) => option(s, s, filter.site))}
        </select>
      </label>
      <label>
        {t('hosts.role')}
        <select name="role">
          {option('', t('hosts.all'), filter.role ?? '')}
          {HOST_ROLES.map((r) => option(r, r, filter.role))}
        </select>
      </label>
      <label>
        {t('rules.rule')}
        <select name="rule">
          {option('', t('hosts.all'), filter.rule ?? '')}
          {rules.map((r) => option(r, r, filter.rule))}
        </select>
      </label>
      <label>
        {t('hosts.ruleStatus')}
        <select name="status">
          {option('', t('hosts.all'), filter.status ?? '')}
          {VERDICT_STATUSES.map((s) => option(s, t(`status.${s}`), filter.status))}
        </select>
      </label>
      <label>
        {t('hosts.anyStatus')}
        <select name="any">
          {option('', t('hosts.all'), filter.any ?? '')}
          {ANY_STATUSES.map((s) => option(s, t(`status.${s}`), filter.any))}
        </select>
      </label>
      <label>
        {t('hosts.seen')}
        <select name="seen">
          {option('', t('hosts.all'), filter.seen ?? '')}
          {SEEN_BUCKETS.map((b) => option(b, t(`seen.${b}`), filter.seen))}
        </select>
      </label>
      <label>
        {t('hosts.platform')}
        <input name="platform" value={filter.platform ?? ''} size={8} />
      </label>
      <label>
        {t('hosts.prefix')}
        <input name="q" value={filter.q ?? ''} size={14} />
      </label>
      <button type="submit">{t('hosts.apply')}</button>
      <a href="/hosts">{t('hosts.reset')}</a>
    </form>
  );
}

export function HostState({ view, row, freshness }: { view: View; row: HostRow; freshness: HostFreshness }) {
  const { t, f } = view;
  if (row.revoked) return <span class="badge">{t('hosts.revoked')}</span>;
  if (freshness === 'never' || row.counts === null) return <StatusBadge view={view} status="unknown" />;
  if (freshness === 'stale') return <span class="badge expired">{t('hosts.stale')}</span>;
  const c = row.counts;
  return (
    <span>
      {c.fail > 0 && (
        <>
          <StatusBadge view={view} status="fail" /> {f.integer(c.fail)}{' '}
        </>
      )}
      {c.warn > 0 && (
        <>
          <StatusBadge view={view} status="warn" /> {f.integer(c.warn)}{' '}
        </>
      )}
      {c.unknown > 0 && (
        <>
          <StatusBadge view={view} status="unknown" /> {f.integer(c.unknown)}{' '}
        </>
      )}
      {c.fail + c.warn + c.unknown === 0 && <StatusBadge view={view} status="pass" />}
    </span>
  );
}

const CSV_COLUMNS = ['host_id', 'hostname', 'site', 'role', 'platform', 'distro', 'agent_version', 'last_seen_at', 'collected_at', 'state', 'pass', 'warn', 'fail', 'unknown', 'not_applicable', 'rule_id', 'rule_status'] as const;

function exportRecord(row: HostRow, freshness: HostFreshness, rule: string | undefined) {
  return {
    host_id: row.host_id,
    hostname: row.hostname,
    site: row.site,
    role: row.role,
    platform: row.platform,
    distro: row.distro,
    agent_version: row.agent_version,
    last_seen_at: row.last_seen_at,
    collected_at: row.collected_at,
    state: row.revoked ? 'revoked' : freshness,
    pass: row.counts?.pass ?? null,
    warn: row.counts?.warn ?? null,
    fail: row.counts?.fail ?? null,
    unknown: row.counts?.unknown ?? null,
    not_applicable: row.counts?.not_applicable ?? null,
    rule_id: rule ?? null,
    rule_status: row.rule_status,
  };
}

/** A spreadsheet must not run a cell as a formula (=, +, -, @ at the start): prefix it with '. */
export function csvSafe(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The bulk action's entry point (RSSI): a link to its confirmation page, or how to get one. */
function BulkAction({ view, filter, count }: { view: View; filter: HostFilter; count: HostCount }) {
  const { t, f } = view;
  const total = count.n;
  const eligible = filter.rule !== undefined && (filter.status === 'fail' || filter.status === 'warn') && filter.revoked !== true && !count.more && total > 0 && total <= MAX_BULK_WAIVER_HOSTS;
  return (
    <section aria-labelledby="bulk-h" class="bulk">
      <h2 id="bulk-h">{t('bulk.section')}</h2>
      {eligible ? (
        <p>
          <a href={`/hosts/bulk-waiver${filterQuery(filter)}`}>{t('bulk.link', { rule: filter.rule ?? '', n: f.integer(total) })}</a>
        </p>
      ) : (
        <p class="hint">{t('bulk.hint')}</p>
      )}
    </section>
  );
}

export const hostsPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  /** The notice after a bulk waiver: read from its audit-log entry, so a URL cannot make one up. */
  async function bulkNotice(view: View, seqText: string | undefined): Promise<string | undefined> {
    if (seqText === undefined || !/^[0-9]{1,15}$/.test(seqText)) return undefined;
    const seq = Number(seqText);
    const [entry] = await listAuditEntries(ctx.db, { limit: 1, beforeSeq: seq + 1, action: 'waiver.bulk_created' });
    if (entry === undefined || entry.seq !== seq) return undefined;
    const d = entry.details as { rule_id?: unknown; hosts?: unknown; expires_at?: unknown };
    return view.t('bulk.done', {
      seq: String(seq),
      n: view.f.integer(Number(d.hosts)),
      rule: String(d.rule_id),
      by: entry.actor.id,
      until: view.f.dateTime(String(d.expires_at)),
    });
  }

  app.get<{ Querystring: Query }>('/hosts', { config: { access: FLEET_ACCESS }, schema: { hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const filter = hostFilterOf(request.query);
    const cursor = decodeCursor(request.query.after);
    // The count stops at HOST_COUNT_CAP unless the exact one is asked for (count=all).
    const exact = request.query.count === 'all';
    const counting: Promise<HostCount> = exact ? countHosts(ctx.db, filter, now).then((n) => ({ n, more: false })) : countHostsUpTo(ctx.db, filter, now, HOST_COUNT_CAP);
    const [page, count, sites] = await Promise.all([hostsPage(ctx.db, filter, cursor, now), counting, siteNames(ctx.db)]);
    const judge = freshnessJudge(ctx.packs, ctx.overlays, now);
    const rules = [...ruleCatalogue(ctx.packs).keys()];
    const notice = view.user?.role === 'rssi' ? await bulkNotice(view, request.query.bulk) : undefined;
    return sendPage(
      reply,
      <Layout view={view} title={t('nav.hosts')} freshness={now}>
        {notice !== undefined && <Notice kind="success">{notice}</Notice>}
        <Filters view={view} filter={filter} sites={sites} rules={rules} />
        <p role="status">
          {count.more ? (
            <>
              {t('hosts.countMore', { n: f.integer(count.n) })} <a href={`/hosts${filterQuery(filter, { count: 'all' })}`}>{t('hosts.countExact')}</a> ·{' '}
            </>
          ) : (
            <>{t('hosts.count', { n: f.integer(count.n) })} </>
          )}
          <a href={`/hosts/export.csv${filterQuery(filter)}`}>{t('hosts.exportCsv')}</a> · <a href={`/hosts/export.json${filterQuery(filter)}`}>{t('hosts.exportJson')}</a>
        </p>
        <table>
          <caption class="hint">{t('hosts.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('hosts.hostname')}</th>
              <th scope="col">{t('hosts.site')}</th>
              <th scope="col">{t('hosts.role')}</th>
              <th scope="col">{t('hosts.os')}</th>
              <th scope="col">{t('hosts.lastSeen')}</th>
              <th scope="col">{t('hosts.verdicts')}</th>
              {filter.rule !== undefined && <th scope="col">{filter.rule}</th>}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((row) => (
              <tr>
                <td>
                  <a href={`/hosts/${encodeURIComponent(row.host_id)}`} class="rtl-safe">
                    <Untrusted text={row.hostname} />
                  </a>
                </td>
                <td>{row.site}</td>
                <td>{row.role}</td>
                <td>
                  <bdi>{`${row.platform} ${row.distro}`.trim()}</bdi>
                </td>
                <td>{row.last_seen_at === null ? t('seen.never') : f.dateTime(row.last_seen_at)}</td>
                <td>
                  <HostState view={view} row={row} freshness={judge(row)} />
                </td>
                {filter.rule !== undefined && <td>{row.rule_status === null ? '—' : <StatusBadge view={view} status={row.rule_status} />}</td>}
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="pager" aria-label={t('hosts.pages')}>
          {cursor !== null && <a href={`/hosts${filterQuery(filter)}`}>{t('hosts.first')}</a>}
          {page.next !== null && <a href={`/hosts${filterQuery(filter, { after: encodeCursor(page.next) })}`}>{t('hosts.next')}</a>}
        </nav>
        {view.user?.role === 'rssi' && <BulkAction view={view} filter={filter} count={count} />}
      </Layout>,
    );
  });

  async function exportHosts(reply: FastifyReply, query: Query, format: 'csv' | 'json') {
    const now = ctx.now();
    const filter = hostFilterOf(query);
    const judge = freshnessJudge(ctx.packs, ctx.overlays, now);
    const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
    async function* body(): AsyncGenerator<string> {
      if (format === 'csv') yield `\uFEFF${stringify([CSV_COLUMNS as unknown as string[]])}`;
      else yield `{"generated_at":${JSON.stringify(now.toISOString())},"filter":${JSON.stringify(filter)},"hosts":[`;
      let first = true;
      for await (const rows of allHosts(ctx.db, filter, now)) {
        const records = rows.map((r) => exportRecord(r, judge(r), filter.rule));
        if (format === 'csv') yield stringify(records.map((r) => CSV_COLUMNS.map((c) => csvSafe(r[c]))));
        else {
          let chunk = '';
          for (const r of records) {
            chunk += `${first ? '' : ','}\n${JSON.stringify(r)}`;
            first = false;
          }
          yield chunk;
        }
      }
      if (format === 'json') yield '\n]}\n';
    }
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="vigie-hosts-${stamp}.${format}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(body()));
  }

  app.get<{ Querystring: Query }>('/hosts/export.csv', { config: { access: FLEET_ACCESS }, schema: { hide: true } }, (request, reply) => exportHosts(reply, request.query, 'csv'));
  app.get<{ Querystring: Query }>('/hosts/export.json', { config: { access: FLEET_ACCESS }, schema: { hide: true } }, (request, reply) => exportHosts(reply, request.query, 'json'));
};
