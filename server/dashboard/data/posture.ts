// Posture on one day, from the trend table: counts per rule and status, the compliance score
// (pass / (pass + fail), waived and unknown counted apart, as the nightly audit scores).
import { ruleCountsOn, statusSeries, type TrendFilter, type TrendStatus } from '../../db/trends.js';
import type { Database } from '../../db/schema.js';
import { daysBetween, dayMinus, type Point } from '../components/chart.js';

export type StatusCounts = Record<TrendStatus, number>;

export const emptyCounts = (): StatusCounts => ({ pass: 0, warn: 0, fail: 0, unknown: 0, not_applicable: 0, waived: 0 });

export function scoreOf(c: StatusCounts): number | null {
  return c.pass + c.fail === 0 ? null : c.pass / (c.pass + c.fail);
}

/** Counts per rule on `day` (rules without rows are absent). */
export async function countsByRule(db: Database, day: string, filter: TrendFilter = {}): Promise<Map<string, StatusCounts>> {
  const byRule = new Map<string, StatusCounts>();
  for (const row of await ruleCountsOn(db, day, filter)) {
    let counts = byRule.get(row.rule_id);
    if (counts === undefined) byRule.set(row.rule_id, (counts = emptyCounts()));
    counts[row.status] += row.hosts;
  }
  return byRule;
}

export function total(counts: Iterable<StatusCounts>): StatusCounts {
  const sum = emptyCounts();
  for (const c of counts) for (const k of Object.keys(sum) as TrendStatus[]) sum[k] += c[k];
  return sum;
}

/** The compliance score per day over the `days` days ending on `to` (null on days without an audit). */
export async function scoreSeries(db: Database, to: string, days: number, filter: TrendFilter = {}): Promise<Point[]> {
  const from = dayMinus(to, days - 1);
  const byDay = new Map<string, StatusCounts>();
  for (const row of await statusSeries(db, from, to, filter)) {
    let counts = byDay.get(row.day);
    if (counts === undefined) byDay.set(row.day, (counts = emptyCounts()));
    counts[row.status] += row.hosts;
  }
  return daysBetween(from, to).map((day) => {
    const counts = byDay.get(day);
    return { day, value: counts === undefined ? null : scoreOf(counts) };
  });
}
