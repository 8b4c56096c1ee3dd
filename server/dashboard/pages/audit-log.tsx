// Page 11, Journal d'audit: the hash-chained journal with composable filters (GET parameters),
// its chain verification status on every view (ok with the head hash to keep elsewhere, or where
// it breaks), keyset paging on seq, and CSV/JSON exports of exactly the filtered view. Exports are
// themselves journalled (who took a copy of the log, with which filter).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { appendAuditEvent, verifyAuditLog, type AuditEntry, type AuditVerification } from '../../auditlog/auditlog.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import type { RouteContext } from '../../routes/context.js';
import { Layout } from '../components/layout.js';
import { Untrusted, visible } from '../components/visible-text.js';
import { allAuditEntries, auditFilterOf, auditFilterQuery, auditLogPage, countAuditEntries, parseBefore, type AuditLogFilter } from '../data/audit-log.js';
import { PAGE_ROLES } from '../nav.js';
import { sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';
import { csvSafe } from './hosts.js';

const ACCESS = { roles: PAGE_ROLES.auditLog, tokens: false } as const;
type Query = Record<string, string | undefined>;

function ChainStatus({ view, verification }: { view: View; verification: AuditVerification }) {
  const { t, f } = view;
  return (
    <section aria-labelledby="chain-h">
      <h2 id="chain-h">{t('auditlog.chainTitle')}</h2>
      {verification.ok ? (
        <>
          <p class="notice success" role="status">
            <span aria-hidden="true">✔ </span>
            {t('auditlog.chainOk', { n: f.integer(verification.entries), seq: verification.head.seq, hash: verification.head.hash })}
          </p>
          <p class="hint">{t('auditlog.chainOkHint')}</p>
        </>
      ) : (
        <>
          <p class="notice error" role="alert">
            <span aria-hidden="true">✖ </span>
            {t('auditlog.chainBroken', { seq: verification.seq, problem: t(`auditlog.problem.${verification.problem}`) })}
          </p>
          <details>
            <summary>{t('auditlog.chainDetail')}</summary>
            <p lang="en">{verification.message}</p>
          </details>
        </>
      )}
    </section>
  );
}

function Filters({ view, filter }: { view: View; filter: AuditLogFilter }) {
  const { t } = view;
  return (
    <form method="get" action="/audit-log" class="filters" role="search" aria-label={t('auditlog.filters')}>
      <label>
        {t('auditlog.action')}
        <input name="action" value={filter.action ?? ''} size={14} placeholder="user." />
      </label>
      <label>
        {t('auditlog.actor')}
        <input name="actor" value={filter.actor ?? ''} size={14} />
      </label>
      <label>
        {t('auditlog.target')}
        <input name="target" value={filter.target ?? ''} size={16} placeholder="user:" />
      </label>
      <label>
        {t('auditlog.from')}
        <input name="from" type="date" value={filter.from ?? ''} />
      </label>
      <label>
        {t('auditlog.to')}
        <input name="to" type="date" value={filter.to ?? ''} />
      </label>
      <button type="submit">{t('auditlog.apply')}</button>
      <a href="/audit-log">{t('auditlog.reset')}</a>
    </form>
  );
}

function EntryRow({ view, entry }: { view: View; entry: AuditEntry }) {
  const { t, f } = view;
  const details = JSON.stringify(entry.details);
  return (
    <tr id={`e-${entry.seq}`}>
      <td class="num">{entry.seq}</td>
      <td>
        <time dateTime={entry.at}>{f.dateTime(entry.at)}</time>
      </td>
      <td>
        <Untrusted text={entry.actor.id} /> <span class="hint">({t(`actor.${entry.actor.type}`)})</span>
      </td>
      <td>
        <code>{entry.action}</code>
      </td>
      <td>{entry.target === null ? '—' : <Untrusted text={entry.target} />}</td>
      <td>{details === '{}' ? '—' : <code class="details">{visible(details)}</code>}</td>
    </tr>
  );
}

const CSV_COLUMNS = ['seq', 'at', 'actor_type', 'actor_id', 'action', 'target', 'details', 'prev_hash', 'hash'] as const;

function csvRecord(e: AuditEntry): string[] {
  const record = { seq: e.seq, at: e.at, actor_type: e.actor.type, actor_id: e.actor.id, action: e.action, target: e.target, details: JSON.stringify(e.details), prev_hash: e.prev_hash, hash: e.hash };
  return CSV_COLUMNS.map((c) => csvSafe(record[c]));
}

export const auditLogPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get<{ Querystring: Query }>('/audit-log', { config: { access: ACCESS }, schema: { hide: true } }, async (request, reply) => {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    const filter = auditFilterOf(request.query);
    const before = parseBefore(request.query.before);
    const [verification, page, total] = await Promise.all([verifyAuditLog(ctx.db), auditLogPage(ctx.db, filter, before), countAuditEntries(ctx.db, filter)]);
    return sendPage(
      reply,
      <Layout view={view} title={t('nav.auditLog')} freshness={now}>
        <p>{t('auditlog.intro')}</p>
        <ChainStatus view={view} verification={verification} />
        <h2>{t('auditlog.filters')}</h2>
        <Filters view={view} filter={filter} />
        <p role="status">
          {t('auditlog.count', { n: f.integer(total) })} <a href={`/audit-log/export.csv${auditFilterQuery(filter)}`}>{t('auditlog.exportCsv')}</a> ·{' '}
          <a href={`/audit-log/export.json${auditFilterQuery(filter)}`}>{t('auditlog.exportJson')}</a>
        </p>
        <p class="hint">{t('auditlog.exportHint')}</p>
        {page.entries.length === 0 ? (
          <p>{t('auditlog.none')}</p>
        ) : (
          <table class="auditlog">
            <caption class="hint">{t('auditlog.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('auditlog.seq')}</th>
                <th scope="col">{t('auditlog.at')}</th>
                <th scope="col">{t('auditlog.actor')}</th>
                <th scope="col">Action</th>
                <th scope="col">{t('auditlog.target').replace(/ \(.*\)$/, '')}</th>
                <th scope="col">{t('auditlog.details')}</th>
              </tr>
            </thead>
            <tbody>
              {page.entries.map((entry) => (
                <EntryRow view={view} entry={entry} />
              ))}
            </tbody>
          </table>
        )}
        <nav class="pager" aria-label={t('auditlog.pages')}>
          {before !== null && <a href={`/audit-log${auditFilterQuery(filter)}`}>{t('auditlog.first')}</a>}
          {page.next !== null && <a href={`/audit-log${auditFilterQuery(filter, { before: String(page.next) })}`}>{t('auditlog.next')}</a>}
        </nav>
      </Layout>,
    );
  });

  async function exportLog(request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, format: 'csv' | 'json') {
    const now = ctx.now();
    const filter = auditFilterOf(request.query);
    // Journal first: the copy is taken as of this entry (it is included when the filter allows).
    await appendAuditEvent(ctx.db, { actor: actorOf(principalOf(request)), action: 'auditlog.exported', target: null, details: { format, filter: { ...filter } }, at: now });
    const verification = await verifyAuditLog(ctx.db);
    const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
    async function* body(): AsyncGenerator<string> {
      if (format === 'csv') yield `\uFEFF${stringify([CSV_COLUMNS as unknown as string[]])}`;
      else yield `{"generated_at":${JSON.stringify(now.toISOString())},"filter":${JSON.stringify(filter)},"chain":${JSON.stringify(verification)},"entries":[`;
      let first = true;
      for await (const entries of allAuditEntries(ctx.db, filter)) {
        if (format === 'csv') yield stringify(entries.map(csvRecord));
        else {
          let chunk = '';
          for (const e of entries) {
            chunk += `${first ? '' : ','}\n${JSON.stringify(e)}`;
            first = false;
          }
          yield chunk;
        }
      }
      if (format === 'json') yield '\n]}\n';
    }
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="vigie-audit-log-${stamp}.${format}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(body()));
  }

  app.get<{ Querystring: Query }>('/audit-log/export.csv', { config: { access: ACCESS }, schema: { hide: true } }, (request, reply) => exportLog(request, reply, 'csv'));
  app.get<{ Querystring: Query }>('/audit-log/export.json', { config: { access: ACCESS }, schema: { hide: true } }, (request, reply) => exportLog(request, reply, 'json'));
};
