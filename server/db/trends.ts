// Daily posture counts for trends and "as of date" views: per (day, site, role, rule, status), how
// many hosts, and per (day, site, role, state) how many hosts were assessed, stale or never
// reported. Written by the nightly audit (the last audit of a Paris calendar day wins) and
// back-filled from stored audits by migration 0010. Trends read these rows, never raw reports.
import type { VerdictStatus } from '../../policies/verdict.js';
import { fromDbJson } from './columns.js';
import type { Database } from './schema.js';
import { keysetPages } from './keyset.js';

/** The day of a trend row is the calendar day in this zone (the hospitals' zone). */
export const TREND_TIME_ZONE = 'Europe/Paris';
/** A verdict status, or 'waived' for a fail / warn covered by an active waiver. */
export const TREND_STATUSES = ['pass', 'warn', 'fail', 'unknown', 'not_applicable', 'waived'] as const;
export type TrendStatus = (typeof TREND_STATUSES)[number];

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TREND_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD of an instant in Europe/Paris. */
export function trendDay(at: Date): string {
  return dayFormat.format(at);
}

export interface TrendRuleRow {
  day: string;
  site: string;
  role: string;
  rule_id: string;
  status: TrendStatus;
  hosts: number;
}

export interface TrendHostRow {
  day: string;
  site: string;
  role: string;
  state: string;
  hosts: number;
}

/** What the tally reads of one (host, rule) result of an audit. */
export interface TalliedResult {
  rule_id: string;
  status: VerdictStatus;
  waiver_id: string | null;
}

/** Counts one audit's host results, host by host, into trend rows. */
export class TrendTally {
  private readonly rules = new Map<string, number>();
  private readonly states = new Map<string, number>();

  add(host: { site: string; role: string; state: string; results: readonly TalliedResult[] }): void {
    const stateKey = `${host.site}\u0000${host.role}\u0000${host.state}`;
    this.states.set(stateKey, (this.states.get(stateKey) ?? 0) + 1);
    for (const r of host.results) {
      const status: TrendStatus = r.waiver_id !== null && (r.status === 'fail' || r.status === 'warn') ? 'waived' : r.status;
      const key = `${host.site}\u0000${host.role}\u0000${r.rule_id}\u0000${status}`;
      this.rules.set(key, (this.rules.get(key) ?? 0) + 1);
    }
  }

  ruleRows(day: string): TrendRuleRow[] {
    return [...this.rules].map(([key, hosts]) => {
      const [site, role, rule_id, status] = key.split('\u0000') as [string, string, string, TrendStatus];
      return { day, site, role, rule_id, status, hosts };
    });
  }

  hostRows(day: string): TrendHostRow[] {
    return [...this.states].map(([key, hosts]) => {
      const [site, role, state] = key.split('\u0000') as [string, string, string];
      return { day, site, role, state, hosts };
    });
  }
}

const CHUNK = 500;

/** Replace the day's rows with this tally (call inside the audit's transaction). */
export async function writeTrendDay(db: Database, day: string, tally: TrendTally): Promise<void> {
  await writeTrendRows(db, day, tally);
  await rollUpTrendDay(db, day);
}

/**
 * Replace the day's roll-up over rules (trend_status_counts, migration 0018b) with the sums of its
 * per-rule rows. Call in the transaction that wrote those rows, after them.
 */
export async function rollUpTrendDay(db: Database, day: string): Promise<void> {
  await db.deleteFrom('trend_status_counts').where('day', '=', day).execute();
  await db
    .insertInto('trend_status_counts')
    .columns(['day', 'site', 'role', 'status', 'hosts'])
    .expression(
      db
        .selectFrom('trend_rule_counts')
        .select(['day', 'site', 'role', 'status', (eb) => eb.fn.sum<number>('hosts').as('hosts')])
        .where('day', '=', day)
        .groupBy(['day', 'site', 'role', 'status']),
    )
    .execute();
}

/** The per-rule and host-state rows of a day, without the roll-up (migration 0010 runs before its table exists). */
async function writeTrendRows(db: Database, day: string, tally: TrendTally): Promise<void> {
  await db.deleteFrom('trend_rule_counts').where('day', '=', day).execute();
  await db.deleteFrom('trend_host_counts').where('day', '=', day).execute();
  const rules = tally.ruleRows(day);
  for (let i = 0; i < rules.length; i += CHUNK) await db.insertInto('trend_rule_counts').values(rules.slice(i, i + CHUNK)).execute();
  const hosts = tally.hostRows(day);
  for (let i = 0; i < hosts.length; i += CHUNK) await db.insertInto('trend_host_counts').values(hosts.slice(i, i + CHUNK)).execute();
}

type EncodedResult = [string, string, string, string | null, unknown];

/**
 * Back-fill: for each Paris day with a finished audit, the day's last audit gives the rows. Reads
 * audit_hosts as migration 0004 / server/db/audits.ts wrote them ([rule, status, severity, waiver, ...]).
 */
export async function backfillTrendsFromAudits(db: Database): Promise<number> {
  const audits = await db
    .selectFrom('audits')
    .select(['audit_id', 'started_at', 'scheduled_for'])
    .where('finished_at', 'is not', null)
    .orderBy('started_at')
    .orderBy('audit_id')
    .execute();
  const lastOfDay = new Map<string, string>();
  for (const a of audits) lastOfDay.set(trendDay(new Date(a.scheduled_for ?? a.started_at)), a.audit_id);
  for (const [day, auditId] of lastOfDay) {
    const tally = new TrendTally();
    const pages = keysetPages(
      (after: string, limit) =>
        db.selectFrom('audit_hosts').select(['host_id', 'site', 'role', 'state', 'results']).where('audit_id', '=', auditId).where('host_id', '>', after).orderBy('host_id').limit(limit).execute(),
      (row) => row.host_id,
      { start: '', pageSize: 1000 },
    );
    for await (const rows of pages) {
      for (const row of rows) {
        const results = (fromDbJson(row.results) as EncodedResult[]).map(([rule_id, status, , waiver_id]) => ({
          rule_id,
          status: status as VerdictStatus,
          waiver_id,
        }));
        tally.add({ site: row.site, role: row.role, state: row.state, results });
      }
    }
    // Migration 0018b back-fills the roll-up from these rows.
    await db.transaction().execute((trx) => writeTrendRows(trx, day, tally));
  }
  return lastOfDay.size;
}

export interface TrendFilter {
  site?: string | undefined;
  role?: string | undefined;
  rule?: string | undefined;
}

/** The latest day with trend rows on or before `asOf` (YYYY-MM-DD), if any. */
export async function latestTrendDay(db: Database, asOf?: string): Promise<string | undefined> {
  let query = db.selectFrom('trend_host_counts').select((eb) => eb.fn.max('day').as('day'));
  if (asOf !== undefined) query = query.where('day', '<=', asOf);
  const row = await query.executeTakeFirst();
  return row?.day ?? undefined;
}

/** Per rule and status, the day's host counts (summed over the filter's sites and roles). */
export async function ruleCountsOn(db: Database, day: string, filter: TrendFilter = {}): Promise<Array<{ rule_id: string; status: TrendStatus; hosts: number }>> {
  let query = db
    .selectFrom('trend_rule_counts')
    .select(['rule_id', 'status', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
    .where('day', '=', day)
    .groupBy(['rule_id', 'status']);
  if (filter.site !== undefined) query = query.where('site', '=', filter.site);
  if (filter.role !== undefined) query = query.where('role', '=', filter.role);
  if (filter.rule !== undefined) query = query.where('rule_id', '=', filter.rule);
  const rows = await query.execute();
  return rows.map((r) => ({ rule_id: r.rule_id, status: r.status as TrendStatus, hosts: Number(r.hosts) }));
}

/** Per day and status, host-rule counts between two days inclusive (for trend charts). */
export async function statusSeries(db: Database, from: string, to: string, filter: TrendFilter = {}): Promise<Array<{ day: string; status: TrendStatus; hosts: number }>> {
  let rows: Array<{ day: string; status: string; hosts: number | string }>;
  if (filter.rule !== undefined) {
    let query = db
      .selectFrom('trend_rule_counts')
      .select(['day', 'status', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
      .where('rule_id', '=', filter.rule)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy(['day', 'status'])
      .orderBy('day');
    if (filter.site !== undefined) query = query.where('site', '=', filter.site);
    if (filter.role !== undefined) query = query.where('role', '=', filter.role);
    rows = await query.execute();
  } else {
    // Every rule: the roll-up (a few rows per site and day, not one per rule).
    let query = db
      .selectFrom('trend_status_counts')
      .select(['day', 'status', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy(['day', 'status'])
      .orderBy('day');
    if (filter.site !== undefined) query = query.where('site', '=', filter.site);
    if (filter.role !== undefined) query = query.where('role', '=', filter.role);
    rows = await query.execute();
  }
  return rows.map((r) => ({ day: r.day, status: r.status as TrendStatus, hosts: Number(r.hosts) }));
}

/** Per site (and state), host counts on a day. */
export async function hostStatesOn(db: Database, day: string): Promise<Array<{ site: string; role: string; state: string; hosts: number }>> {
  const rows = await db.selectFrom('trend_host_counts').select(['site', 'role', 'state', 'hosts']).where('day', '=', day).execute();
  return rows.map((r) => ({ ...r, hosts: Number(r.hosts) }));
}

/** Per site and status on a day (the sites page). */
export async function siteCountsOn(db: Database, day: string): Promise<Array<{ site: string; status: TrendStatus; hosts: number }>> {
  const rows = await db
    .selectFrom('trend_status_counts')
    .select(['site', 'status', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
    .where('day', '=', day)
    .groupBy(['site', 'status'])
    .execute();
  return rows.map((r) => ({ site: r.site, status: r.status as TrendStatus, hosts: Number(r.hosts) }));
}
