// The trends page's numbers, from the daily trend tables only (never raw reports): per day and
// status over a window, per site the score at the window's first and last audited day, and per
// day the hosts assessed / stale / never reported. One grouped query each, whatever the fleet size.
import { TREND_STATUSES, type TrendFilter, type TrendStatus } from '../../db/trends.js';
import type { Database } from '../../db/schema.js';
import { dayMinus, daysBetween } from '../components/chart.js';
import { emptyCounts, scoreOf, type StatusCounts } from './posture.js';

export const TREND_WINDOWS = [30, 90, 365] as const;
export type TrendWindow = (typeof TREND_WINDOWS)[number];

export interface TrendDay {
  day: string;
  /** Null on a day without an audit. */
  counts: StatusCounts | null;
  hosts: { assessed: number; stale: number; never_reported: number } | null;
}

export interface SiteTrend {
  site: string;
  first: { day: string; score: number | null } | null;
  last: { day: string; score: number | null } | null;
}

export interface TrendView {
  from: string;
  to: string;
  days: TrendDay[];
  sites: SiteTrend[];
}

export async function trendView(db: Database, to: string, window: TrendWindow, filter: TrendFilter): Promise<TrendView> {
  const from = dayMinus(to, window - 1);
  // One rule: its rows; every rule: the roll-up over rules (server/db/trends.ts).
  let rules;
  if (filter.rule === undefined) {
    let q = db
      .selectFrom('trend_status_counts')
      .select(['day', 'site', 'status', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy(['day', 'site', 'status']);
    if (filter.site !== undefined) q = q.where('site', '=', filter.site);
    if (filter.role !== undefined) q = q.where('role', '=', filter.role);
    rules = q.execute();
  } else {
    let q = db
      .selectFrom('trend_rule_counts')
      .select(['day', 'site', 'status', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
      .where('rule_id', '=', filter.rule)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy(['day', 'site', 'status']);
    if (filter.site !== undefined) q = q.where('site', '=', filter.site);
    if (filter.role !== undefined) q = q.where('role', '=', filter.role);
    rules = q.execute();
  }
  let hosts = db
    .selectFrom('trend_host_counts')
    .select(['day', 'state', (eb) => eb.fn.sum<number | string>('hosts').as('hosts')])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy(['day', 'state']);
  if (filter.site !== undefined) hosts = hosts.where('site', '=', filter.site);
  if (filter.role !== undefined) hosts = hosts.where('role', '=', filter.role);
  const [ruleRows, hostRows] = await Promise.all([rules, hosts.execute()]);

  const byDay = new Map<string, StatusCounts>();
  const bySite = new Map<string, Map<string, StatusCounts>>();
  for (const row of ruleRows) {
    const status = row.status as TrendStatus;
    if (!(TREND_STATUSES as readonly string[]).includes(status)) continue;
    const n = Number(row.hosts);
    let day = byDay.get(row.day);
    if (day === undefined) byDay.set(row.day, (day = emptyCounts()));
    day[status] += n;
    let site = bySite.get(row.site);
    if (site === undefined) bySite.set(row.site, (site = new Map()));
    let siteDay = site.get(row.day);
    if (siteDay === undefined) site.set(row.day, (siteDay = emptyCounts()));
    siteDay[status] += n;
  }
  const hostsByDay = new Map<string, { assessed: number; stale: number; never_reported: number }>();
  for (const row of hostRows) {
    let h = hostsByDay.get(row.day);
    if (h === undefined) hostsByDay.set(row.day, (h = { assessed: 0, stale: 0, never_reported: 0 }));
    if (row.state === 'assessed' || row.state === 'stale' || row.state === 'never_reported') h[row.state] += Number(row.hosts);
  }
  const sites = [...bySite.keys()].sort().map((site) => {
    const days = [...(bySite.get(site) as Map<string, StatusCounts>)].sort(([a], [b]) => (a < b ? -1 : 1));
    const first = days[0];
    const last = days[days.length - 1];
    return {
      site,
      first: first === undefined ? null : { day: first[0], score: scoreOf(first[1]) },
      last: last === undefined ? null : { day: last[0], score: scoreOf(last[1]) },
    };
  });
  return {
    from,
    to,
    days: daysBetween(from, to).map((day) => ({ day, counts: byDay.get(day) ?? null, hosts: hostsByDay.get(day) ?? null })),
    sites,
  };
}
