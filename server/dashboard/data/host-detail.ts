// What the host page reads beyond the API's verdicts: per-rule history from the nightly audits
// (audit_hosts), recent reports, the current report body (for auditors) and the host's waivers.
import { fromDbJson, fromDbTime, toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';

export interface RuleHistoryPoint {
  day: string;
  status: string;
}

/** For each rule, the host's status at each audit within `days` days (oldest first). */
export async function hostRuleHistory(db: Database, hostId: string, now: Date, days = 90): Promise<{ audits: string[]; byRule: Map<string, RuleHistoryPoint[]> }> {
  const rows = await db
    .selectFrom('audit_hosts as ah')
    .innerJoin('audits as a', 'a.audit_id', 'ah.audit_id')
    .select(['a.started_at', 'ah.results'])
    .where('ah.host_id', '=', hostId)
    .where('a.finished_at', 'is not', null)
    .where('a.started_at', '>=', toDbTime(new Date(now.getTime() - days * 86_400_000)))
    .orderBy('a.started_at')
    .limit(400)
    .execute();
  const byRule = new Map<string, RuleHistoryPoint[]>();
  const audits: string[] = [];
  for (const row of rows) {
    const at = fromDbTime(row.started_at);
    audits.push(at);
    for (const [rule, status, , waiver] of fromDbJson(row.results) as Array<[string, string, string, string | null]>) {
      const list = byRule.get(rule) ?? [];
      list.push({ day: at, status: waiver !== null && (status === 'fail' || status === 'warn') ? 'waived' : status });
      byRule.set(rule, list);
    }
  }
  return { audits, byRule };
}

export interface ReportRef {
  report_id: string;
  collected_at: string;
  received_at: string;
  pruned: boolean;
  fail: number | null;
}

export async function recentReports(db: Database, hostId: string, limit = 10): Promise<ReportRef[]> {
  const rows = await db
    .selectFrom('reports')
    .select(['report_id', 'collected_at', 'received_at', (eb) => eb('body', 'is', null).as('pruned'), 'fail'])
    .where('host_id', '=', hostId)
    .orderBy('collected_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    report_id: r.report_id,
    collected_at: fromDbTime(r.collected_at),
    received_at: fromDbTime(r.received_at),
    pruned: Boolean(r.pruned),
    fail: r.fail === null ? null : Number(r.fail),
  }));
}

/** Since when the last status of a history holds (the first audit of its latest run). */
export function since(points: readonly RuleHistoryPoint[]): RuleHistoryPoint | undefined {
  const last = points[points.length - 1];
  if (last === undefined) return undefined;
  let first = last;
  for (let i = points.length - 1; i >= 0 && points[i]!.status === last.status; i--) first = points[i]!;
  return first;
}
