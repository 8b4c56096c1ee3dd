// Page 8, Destinations: the inventory of every name and address the hosts reach, judged against
// the allowlist (../shared/DESTINATIONS.md). Filters are GET parameters (site, role, verdict,
// source, "hors liste blanche", text, domain); the table pages by key; the exports carry exactly
// the filtered view. Around it: coverage per (site, role), the inventory grouped by registrable
// domain, learning scopes (the RSSI opens and closes them), pending proposals (the RSSI approves
// with purpose, owner, ticket and expiry, or rejects with a reason) and the use of allowlist
// entries (unused for 90 days, expiring). Every change goes through the same functions as the API
// (server/inventory/learning/), which check, write the overlay and journal. Names and processes
// come from agents and proxy logs: shown as text, invisible characters made visible.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import { HOST_ROLES } from '../../../policies/evidence.js';
import { auditConfigOf } from '../../audit/config.js';
import { actorOf, principalOf } from '../../auth/guard.js';
import { CSRF_FIELD } from '../../auth/session.js';
import { ApiError } from '../../errors.js';
import { feedInventory } from '../../inventory/feed.js';
import { approveProposal, rejectProposal } from '../../inventory/learning/decide.js';
import { entryYaml } from '../../inventory/learning/overlay-writer.js';
import { closeLearning, LearningInputError, openLearning } from '../../inventory/learning/scopes.js';
import { listLearningScopes, listProposals, type Proposal } from '../../inventory/learning/store.js';
import { entryUse, inventoryCoverage, type EntryUse } from '../../inventory/maintenance.js';
import { CursorError } from '../../db/keyset.js';
import { allInventoryRows, csvCell, csvLine, CSV_COLUMNS, listInventory, type InventoryRow } from '../../inventory/query.js';
import { INVENTORY_VERDICTS, inventoryJudge, type InventoryVerdict } from '../../inventory/verdict.js';
import type { RouteContext } from '../../routes/context.js';
import { CsrfField, Notice } from '../components/forms.js';
import { Layout } from '../components/layout.js';
import { Untrusted } from '../components/visible-text.js';
import { destinationsQuery, destinationsViewOf, domainGroups, DOMAIN_GROUPS, inventoryFilterOf, inventorySites, SOURCE_FILTERS, type DestinationsView } from '../data/destinations.js';
import { PAGE_ROLES } from '../nav.js';
import { redirectTo, sendPage } from '../render.js';
import { viewOf, type View } from '../view.js';

const PAGE_SIZE = 50;
const ACCESS = { roles: PAGE_ROLES.fleet, tokens: false } as const;
const RSSI = { roles: ['rssi'], tokens: false } as const;
type Query = Record<string, string | undefined>;

const VERDICT_ICONS: Record<InventoryVerdict, string> = { allowed: '✔', expiring: '⚠', unlisted: '✖', name_unknown: '?', internal: '⌂' };

const Csrf = Type.Optional(Type.String({ maxLength: 64 }));
const ProposalParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 40, pattern: '^P-[0-9A-F]+$' }) }, { additionalProperties: false });
const ScopeParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 40, pattern: '^L-[0-9A-F]+$' }) }, { additionalProperties: false });
const OpenBody = Type.Object({ [CSRF_FIELD]: Csrf, site: Type.String({ maxLength: 64 }), role: Type.String({ maxLength: 32 }), until: Type.String({ maxLength: 10 }) }, { additionalProperties: false });
const ApproveBody = Type.Object(
  { [CSRF_FIELD]: Csrf, purpose: Type.Optional(Type.String({ maxLength: 500 })), owner: Type.Optional(Type.String({ maxLength: 128 })), ticket: Type.String({ maxLength: 128 }), expires: Type.Optional(Type.String({ maxLength: 10 })) },
  { additionalProperties: false },
);
const RejectBody = Type.Object({ [CSRF_FIELD]: Csrf, reason: Type.String({ maxLength: 1000 }) }, { additionalProperties: false });
const CsrfOnly = Type.Object({ [CSRF_FIELD]: Csrf }, { additionalProperties: false });

function VerdictBadge({ view, verdict }: { view: View; verdict: InventoryVerdict }) {
  const shown = verdict === 'unlisted' || verdict === 'name_unknown' ? 'fail' : verdict === 'expiring' ? 'warn' : verdict === 'allowed' ? 'pass' : 'not_applicable';
  return (
    <span class={`status status-${shown}`}>
      <span aria-hidden="true">{VERDICT_ICONS[verdict]}</span> {view.t(`verdict.${verdict}`)}
    </span>
  );
}

function Filters({ view, filter, sites }: { view: View; filter: DestinationsView; sites: string[] }) {
  const { t } = view;
  const option = (value: string, label: string, selected: string | undefined) => (
    <option value={value} selected={value === (selected ?? '')}>
      {label}
    </option>
  );
  return (
    <form method="get" action="/destinations" class="filters" role="search" aria-label={t('dest.filters')}>
      <label>
        {t('dest.site')}
        <select name="site">
          {option('', t('dest.all'), filter.site)}
          {sites.map((s) => option(s, s, filter.site))}
        </select>
      </label>
      <label>
        {t('dest.role')}
        <select name="role">
          {option('', t('dest.all'), filter.role)}
          {HOST_ROLES.map((r) => option(r, r, filter.role))}
        </select>
      </label>
      <label>
        {t('dest.verdict')}
        <select name="verdict">
          {option('', t('dest.all'), filter.verdict)}
          {INVENTORY_VERDICTS.map((v) => option(v, t(`verdict.${v}`), filter.verdict))}
        </select>
      </label>
      <label>
        {t('dest.source')}
        <select name="source">
          {option('', t('dest.all'), filter.source)}
          {SOURCE_FILTERS.map((s) => option(s, s, filter.source))}
        </select>
      </label>
      <label>
        {t('dest.search')}
        <input name="q" value={filter.q ?? ''} size={16} />
      </label>
      <label>
        {t('dest.domain')}
        <input name="domain" value={filter.domain ?? ''} size={14} />
      </label>
      <label class="check">
        <input type="checkbox" name="unlisted" value="1" checked={filter.unlisted === true} /> {t('dest.unlisted')}
      </label>
      <label class="check">
        <input type="checkbox" name="unused" value="1" checked={filter.unused === true} /> {t('dest.unused')}
      </label>
      <button type="submit">{t('dest.apply')}</button>
      <a href="/destinations">{t('dest.reset')}</a>
    </form>
  );
}

const topKeys = (counts: Record<string, number>, n = 3) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([k]) => k)
    .join(', ');

function InventoryTable({ view, rows }: { view: View; rows: InventoryRow[] }) {
  const { t, f } = view;
  if (rows.length === 0) return <p>{t('dest.none')}</p>;
  return (
    <div class="scroll">
      <table>
        <caption class="hint">{t('dest.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dest.scope')}</th>
            <th scope="col">{t('dest.destination')}</th>
            <th scope="col">{t('dest.port')}</th>
            <th scope="col" class="num">
              {t('dest.hosts')}
            </th>
            <th scope="col" class="num">
              {t('dest.days')}
            </th>
            <th scope="col">{t('dest.lastSeen')}</th>
            <th scope="col">{t('dest.processes')}</th>
            <th scope="col">{t('dest.sources')}</th>
            <th scope="col">{t('dest.verdict')}</th>
            <th scope="col">{t('dest.why')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{`${r.site} / ${r.role}`}</td>
              <th scope="row">
                <Untrusted text={r.destination} />
                {r.domain !== null && r.domain !== r.destination && (
                  <>
                    {' '}
                    <a class="hint" href={`/destinations${destinationsQuery({ site: r.site, domain: r.domain })}`}>
                      <Untrusted text={r.domain} />
                    </a>
                  </>
                )}
              </th>
              <td>{`${r.port}/${r.protocol}`}</td>
              <td class="num">{f.integer(r.hosts_count)}</td>
              <td class="num">{f.integer(r.days_seen)}</td>
              <td>{f.dateTime(r.last_seen)}</td>
              <td>
                <Untrusted text={topKeys(r.processes)} />
              </td>
              <td>
                <Untrusted text={topKeys(r.sources)} />
              </td>
              <td>
                <VerdictBadge view={view} verdict={r.verdict} />
              </td>
              <td>
                {r.verdict_entry !== null && <code>{r.verdict_entry}</code>} <Untrusted text={r.verdict_reason} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProposalCard({ view, proposal, canDecide }: { view: View; proposal: Proposal; canDecide: boolean }) {
  const { t, f } = view;
  const id = proposal.proposal_id;
  const e = proposal.evidence;
  const headingId = `p-${id}-h`;
  return (
    <article class="card" id={`p-${id}`} aria-labelledby={headingId}>
      <h3 id={headingId}>
        {t('dest.proposal', { id })} — {`${proposal.site} / ${proposal.role}`} — {t(`dest.kind.${proposal.kind}`)}
      </h3>
      <p>
        <Untrusted text={e.destinations.slice(0, 5).join(', ')} />
        {e.destinations.length > 5 ? ` (+${e.destinations.length - 5})` : ''}
      </p>
      {proposal.kind !== 'remove' && (
        <p class="hint">
          {t('dest.evidence', { hosts: f.integer(e.hosts_count), days: f.integer(e.days_seen), first: e.first_seen === '' ? '—' : f.date(e.first_seen), last: e.last_seen === '' ? '—' : f.date(e.last_seen) })}
          {e.processes.length > 0 && (
            <>
              {' · '}
              <Untrusted text={e.processes.join(', ')} />
            </>
          )}
          {e.sources.length > 0 && ` · ${e.sources.join(', ')}`}
        </p>
      )}
      {proposal.kind === 'via-proxy' && <p>{t('dest.viaProxyHint')}</p>}
      {proposal.kind === 'remove' && <p>{t('dest.removeHint')}</p>}
      <details>
        <summary>{t('dest.entry')}</summary>
        <pre>{entryYaml(proposal.entry)}</pre>
      </details>
      {canDecide && (
        <div class="decide">
          {proposal.kind !== 'via-proxy' && (
            <form method="post" action={`/destinations/proposals/${id}/approve`} class="stacked narrow" aria-label={t('dest.approveLabel', { id })}>
              <CsrfField view={view} />
              {proposal.kind === 'allow' && (
                <>
                  <label for={`purpose-${id}`}>{t('dest.purpose')}</label>
                  <textarea id={`purpose-${id}`} name="purpose" required minlength={10} maxlength={500} rows={2} />
                  <label for={`owner-${id}`}>{t('dest.owner')}</label>
                  <input id={`owner-${id}`} name="owner" required maxlength={128} />
                  <label for={`ticket-${id}`}>{t('dest.ticket')}</label>
                  <input id={`ticket-${id}`} name="ticket" required maxlength={128} />
                  <label for={`expires-${id}`}>{t('dest.expires')}</label>
                  <input id={`expires-${id}`} name="expires" type="date" aria-describedby={`expires-${id}-hint`} />
                  <p id={`expires-${id}-hint`} class="hint">
                    {t('dest.expiresHint')}
                  </p>
                </>
              )}
              {proposal.kind === 'remove' && (
                <>
                  <label for={`ticket-${id}`}>{t('dest.ticket')}</label>
                  <input id={`ticket-${id}`} name="ticket" required maxlength={128} />
                </>
              )}
              <button type="submit" aria-label={t('dest.approveLabel', { id })}>
                {t('dest.approve')}
              </button>
            </form>
          )}
          <form method="post" action={`/destinations/proposals/${id}/reject`} class="stacked narrow" aria-label={t('dest.rejectLabel', { id })}>
            <CsrfField view={view} />
            <label for={`reason-${id}`}>{t('dest.reason')}</label>
            <textarea id={`reason-${id}`} name="reason" required minlength={10} maxlength={1000} rows={2} />
            <button type="submit" aria-label={t('dest.rejectLabel', { id })}>
              {t('dest.reject')}
            </button>
          </form>
        </div>
      )}
    </article>
  );
}

function EntriesTable({ view, entries }: { view: View; entries: EntryUse[] }) {
  const { t, f } = view;
  if (entries.length === 0) return <p>{t('dest.noEntries')}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('dest.scope')}</th>
          <th scope="col">{t('dest.entryId')}</th>
          <th scope="col" class="num">
            {t('dest.destinations')}
          </th>
          <th scope="col">{t('dest.lastUsed')}</th>
          <th scope="col">{t('dest.expires')}</th>
          <th scope="col">{t('dest.state')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr>
            <td>{`${e.site} / ${e.role}`}</td>
            <th scope="row">
              <code>{e.entry_id}</code>
            </th>
            <td class="num">{f.integer(e.destinations)}</td>
            <td>{e.last_used === null ? t('dest.neverUsed') : f.date(e.last_used)}</td>
            <td>{f.date(e.expires_at)}</td>
            <td>
              {e.unused ? (
                <span class="badge expired">{t('dest.entryUnused')}</span>
              ) : e.expiring ? (
                <span class="badge soon">{t('dest.entryExpiring')}</span>
              ) : (
                <span class="badge">{t('dest.entryInUse')}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const destinationsPages: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const timeZone = auditConfigOf(ctx.config).timezone;
  /** The page catches up with stored reports first (bounded), as the API does. */
  const catchUp = () => feedInventory(ctx.db, inventoryJudge(ctx.packs, ctx.overlays, ctx.now()), 5);

  async function render(request: FastifyRequest, query: Query, message?: { kind: 'error' | 'success'; text: string }) {
    const now = ctx.now();
    const view = viewOf(request, now);
    const { t, f } = view;
    await catchUp();
    const filter = destinationsViewOf(query);
    const inventoryFilter = inventoryFilterOf(filter);
    let page: { rows: InventoryRow[]; next: string | null };
    let badCursor = false;
    const after = typeof query.after === 'string' && query.after.length <= 2000 ? query.after : undefined;
    try {
      page = await listInventory(ctx.db, inventoryFilter, PAGE_SIZE, after);
    } catch (error) {
      if (!(error instanceof CursorError)) throw error;
      badCursor = true;
      page = await listInventory(ctx.db, inventoryFilter, PAGE_SIZE);
    }
    const [sites, coverage, domains, scopes, proposals, entries] = await Promise.all([
      inventorySites(ctx.db),
      inventoryCoverage(ctx.db, filter.site),
      domainGroups(ctx.db, inventoryFilter),
      listLearningScopes(ctx.db, now, filter.site),
      listProposals(ctx.db, { site: filter.site, role: filter.role, status: 'pending' }, 100),
      entryUse(ctx.db, ctx.packs, ctx.overlays, now, filter.site),
    ]);
    const shownCoverage = coverage.filter((c) => filter.role === undefined || c.role === filter.role);
    const shownScopes = scopes.filter((s) => (filter.role === undefined || s.role === filter.role) && (s.active || now.getTime() - Date.parse(s.closed_at ?? s.ends_at) < 30 * 86_400_000));
    const shownEntries = entries.filter((e) => (filter.role === undefined || e.role === filter.role) && (filter.unused !== true || e.unused));
    const canDecide = view.user?.role === 'rssi';
    const paged = after !== undefined && !badCursor;
    return (
      <Layout view={view} title={t('nav.destinations')} freshness={now}>
        <p>{t('dest.intro')}</p>
        {message !== undefined && <Notice kind={message.kind}>{message.text}</Notice>}
        {badCursor && <Notice kind="info">{t('dest.badCursor')}</Notice>}
        <Filters view={view} filter={filter} sites={sites} />

        <section aria-labelledby="coverage-h">
          <h2 id="coverage-h">{t('dest.coverageTitle')}</h2>
          <p class="hint">{t('dest.coverageHint')}</p>
          {shownCoverage.length === 0 ? (
            <p>{t('dest.noCoverage')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('dest.scope')}</th>
                  <th scope="col" class="num">
                    {t('dest.destinations')}
                  </th>
                  {(['allowed', 'expiring', 'unlisted', 'name_unknown', 'internal'] as const).map((v) => (
                    <th scope="col" class="num">
                      {t(`verdict.${v}`)}
                    </th>
                  ))}
                  <th scope="col" class="num">
                    {t('dest.coverage')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {shownCoverage.map((c) => (
                  <tr>
                    <th scope="row">{`${c.site} / ${c.role}`}</th>
                    <td class="num">
                      <a href={`/destinations${destinationsQuery({ site: c.site, role: c.role })}`}>{f.integer(c.destinations)}</a>
                    </td>
                    {(['allowed', 'expiring', 'unlisted', 'name_unknown', 'internal'] as const).map((v) => (
                      <td class="num">
                        <a href={`/destinations${destinationsQuery({ site: c.site, role: c.role, verdict: v })}`}>{f.integer(c[v])}</a>
                      </td>
                    ))}
                    <td class="num">{f.percent(c.coverage)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="proposals-h">
          <h2 id="proposals-h">{t('dest.proposalsTitle')}</h2>
          {proposals.length === 0 ? <p>{t('dest.noProposals')}</p> : proposals.map((p) => <ProposalCard view={view} proposal={p} canDecide={canDecide} />)}
        </section>

        <section aria-labelledby="domains-h">
          <h2 id="domains-h">{t('dest.domainsTitle')}</h2>
          <p class="hint">{t('dest.domainsHint', { n: DOMAIN_GROUPS })}</p>
          {domains.length === 0 ? (
            <p>{t('dest.none')}</p>
          ) : (
            <ul class="domains">
              {domains.map((d) => (
                <li>
                  {d.domain === null ? (
                    t('dest.noDomain')
                  ) : (
                    <a href={`/destinations${destinationsQuery({ ...filter, domain: d.domain })}`}>
                      <Untrusted text={d.domain} />
                    </a>
                  )}{' '}
                  {f.integer(d.destinations)}
                  {d.outside > 0 && ` (${f.integer(d.outside)} ${t('dest.outside')})`}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="inventory-h">
          <h2 id="inventory-h">{t('dest.tableTitle')}</h2>
          <p role="status">
            {t('dest.count', { n: f.integer(page.rows.length) })} <a href={`/destinations/export.csv${destinationsQuery(filter)}`}>{t('dest.exportCsv')}</a> ·{' '}
            <a href={`/destinations/export.json${destinationsQuery(filter)}`}>{t('dest.exportJson')}</a>
          </p>
          <InventoryTable view={view} rows={page.rows} />
          <nav class="pager" aria-label={t('dest.pages')}>
            {paged && <a href={`/destinations${destinationsQuery(filter)}`}>{t('dest.first')}</a>}
            {page.next !== null && <a href={`/destinations${destinationsQuery(filter, { after: page.next })}`}>{t('dest.next')}</a>}
          </nav>
        </section>

        <section aria-labelledby="learning-h">
          <h2 id="learning-h">{t('dest.learningTitle')}</h2>
          <p class="hint">{t('dest.learningHint')}</p>
          {shownScopes.length === 0 ? (
            <p>{t('dest.noLearning')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">{t('dest.scope')}</th>
                  <th scope="col">{t('dest.openedBy')}</th>
                  <th scope="col">{t('dest.until')}</th>
                  <th scope="col">{t('dest.state')}</th>
                  {canDecide && <th scope="col">{t('waivers.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {shownScopes.map((s) => (
                  <tr id={`l-${s.scope_id}`}>
                    <td>
                      <code>{s.scope_id}</code>
                    </td>
                    <td>{`${s.site} / ${s.role}`}</td>
                    <td>{s.opened_by}</td>
                    <td>{f.date(s.ends_at)}</td>
                    <td>{s.active ? <span class="badge soon">{t('dest.active')}</span> : <span class="badge">{t('dest.closed')}</span>}</td>
                    {canDecide && (
                      <td>
                        {s.active && (
                          <form method="post" action={`/destinations/learning/${s.scope_id}/close`}>
                            <CsrfField view={view} />
                            <button type="submit" aria-label={t('dest.closeLabel', { id: s.scope_id })}>
                              {t('dest.close')}
                            </button>
                          </form>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {canDecide && (
            <form method="post" action="/destinations/learning" class="stacked narrow" aria-labelledby="open-h">
              <h3 id="open-h">{t('dest.openTitle')}</h3>
              <CsrfField view={view} />
              <label for="open-site">{t('dest.site')}</label>
              <select id="open-site" name="site" required>
                {sites.map((s) => (
                  <option value={s} selected={s === filter.site}>
                    {s}
                  </option>
                ))}
              </select>
              <label for="open-role">{t('dest.role')}</label>
              <select id="open-role" name="role" required>
                {HOST_ROLES.map((r) => (
                  <option value={r} selected={r === filter.role}>
                    {r}
                  </option>
                ))}
              </select>
              <label for="open-until">{t('dest.until')}</label>
              <input id="open-until" name="until" type="date" required aria-describedby="open-until-hint" />
              <p id="open-until-hint" class="hint">
                {t('dest.openHint')}
              </p>
              <button type="submit">{t('dest.open')}</button>
            </form>
          )}
        </section>

        <section aria-labelledby="entries-h">
          <h2 id="entries-h">{t('dest.entriesTitle')}</h2>
          <p class="hint">{t('dest.entriesHint')}</p>
          <EntriesTable view={view} entries={shownEntries} />
        </section>
      </Layout>
    );
  }

  app.get<{ Querystring: Query }>('/destinations', { config: { access: ACCESS }, schema: { hide: true } }, async (request, reply) => {
    const t = viewOf(request, ctx.now()).t;
    const { done, id } = request.query;
    const okId = typeof id === 'string' && /^[LP]-[0-9A-F]{1,38}$/.test(id) ? id : null;
    const doneKey = ({ opened: 'dest.done.opened', closed: 'dest.done.closed', approved: 'dest.done.approved', removed: 'dest.done.removed', rejected: 'dest.done.rejected' } as const)[done ?? ''];
    const message = doneKey !== undefined && okId !== null ? { kind: 'success' as const, text: t(doneKey, { id: okId }) } : undefined;
    return sendPage(reply, await render(request, request.query, message));
  });

  async function exportInventory(request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, format: 'csv' | 'json') {
    const now = ctx.now();
    await catchUp();
    const view = destinationsViewOf(request.query);
    const filter = inventoryFilterOf(view);
    const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
    async function* body(): AsyncGenerator<string> {
      if (format === 'csv') yield `\uFEFF${[...CSV_COLUMNS, 'verdict_reason'].join(',')}\r\n`;
      else yield `{"generated_at":${JSON.stringify(now.toISOString())},"filter":${JSON.stringify(filter)},"destinations":[`;
      let first = true;
      for await (const row of allInventoryRows(ctx.db, filter)) {
        if (format === 'csv') yield `${csvLine(row)},${csvCell(row.verdict_reason)}\r\n`;
        else {
          yield `${first ? '' : ','}\n${JSON.stringify(row)}`;
          first = false;
        }
      }
      if (format === 'json') yield '\n]}\n';
    }
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="vigie-destinations-${stamp}.${format}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(body()));
  }
  app.get<{ Querystring: Query }>('/destinations/export.csv', { config: { access: ACCESS }, schema: { hide: true } }, (request, reply) => exportInventory(request, reply, 'csv'));
  app.get<{ Querystring: Query }>('/destinations/export.json', { config: { access: ACCESS }, schema: { hide: true } }, (request, reply) => exportInventory(request, reply, 'json'));

  /** A person's decision: refused input re-renders the page with the reason (400/404/409), nothing changed. */
  async function decide(request: FastifyRequest, reply: FastifyReply, action: (by: string, actor: ReturnType<typeof actorOf>) => Promise<string>) {
    const principal = principalOf(request);
    if (principal.kind !== 'user') throw new ApiError(403, 'forbidden', 'Sessions only.');
    try {
      return redirectTo(reply, await action(principal.user.username, actorOf(principal)));
    } catch (error) {
      if (!(error instanceof LearningInputError)) throw error;
      const t = viewOf(request, ctx.now()).t;
      return sendPage(reply, await render(request, {}, { kind: 'error', text: t('dest.refused', { reason: error.message }) }), error.status);
    }
  }

  app.post<{ Body: Static<typeof OpenBody> }>('/destinations/learning', { config: { access: RSSI }, bodyLimit: 16 * 1024, schema: { body: OpenBody, hide: true } }, (request, reply) =>
    decide(request, reply, async (by, actor) => {
      const { site, role, until } = request.body;
      const scope = await openLearning(ctx.db, { site, role, until, by, actor, now: ctx.now(), timeZone });
      return `/destinations?done=opened&id=${scope.scope_id}&site=${encodeURIComponent(scope.site)}#l-${scope.scope_id}`;
    }),
  );

  app.post<{ Params: Static<typeof ScopeParams>; Body: Static<typeof CsrfOnly> }>(
    '/destinations/learning/:id/close',
    { config: { access: RSSI }, schema: { params: ScopeParams, body: CsrfOnly, hide: true } },
    (request, reply) =>
      decide(request, reply, async (by, actor) => {
        const scope = await closeLearning(ctx.db, request.params.id, by, actor, ctx.now());
        return `/destinations?done=closed&id=${scope.scope_id}`;
      }),
  );

  app.post<{ Params: Static<typeof ProposalParams>; Body: Static<typeof ApproveBody> }>(
    '/destinations/proposals/:id/approve',
    { config: { access: RSSI }, bodyLimit: 16 * 1024, schema: { params: ProposalParams, body: ApproveBody, hide: true } },
    (request, reply) =>
      decide(request, reply, async (by, actor) => {
        const { purpose, owner, ticket, expires } = request.body;
        const done = await approveProposal(
          { db: ctx.db, packs: ctx.packs, overlays: ctx.overlays, dataDir: ctx.config.dataDir, timeZone, now: ctx.now() },
          request.params.id,
          { purpose: purpose ?? '', owner: owner ?? '', ticket, ...(expires === undefined || expires === '' ? {} : { expires }), by, actor },
        );
        return `/destinations?done=${done.proposal.kind === 'remove' ? 'removed' : 'approved'}&id=${done.proposal.proposal_id}`;
      }),
  );

  app.post<{ Params: Static<typeof ProposalParams>; Body: Static<typeof RejectBody> }>(
    '/destinations/proposals/:id/reject',
    { config: { access: RSSI }, bodyLimit: 16 * 1024, schema: { params: ProposalParams, body: RejectBody, hide: true } },
    (request, reply) =>
      decide(request, reply, async (by, actor) => {
        const proposal = await rejectProposal(ctx.db, request.params.id, request.body.reason, by, actor, ctx.now());
        return `/destinations?done=rejected&id=${proposal.proposal_id}`;
      }),
  );
};
