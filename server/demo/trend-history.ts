// Simulated trend history for the demo and the dashboard bench: the days before a real nightly
// audit, written as the daily count rows the trends pages read (server/db/trends.ts). Like the
// simulated hosts' evidence, these counts are generated, not observed; the demo says so.
//
// The story they tell: a fleet being remediated. Going back in time from the real audit's day, a
// growing share of each rule's passing hosts are counted as failing (up to `worst`, 90 days back),
// each (site, rule) at its own pace, and waivers did not exist yet before they were created, so
// what is waived today was failing then. Host states (assessed / stale / never reported) are
// copied. Deterministic: the same rows in give the same history out.
import type { Database } from '../db/schema.js';
import { rollUpTrendDay, type TrendHostRow, type TrendRuleRow } from '../db/trends.js';

const CHUNK = 500;

/** YYYY-MM-DD minus n days. */
function dayMinus(day: string, n: number): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** A stable number in [0, 1) from a text (FNV-1a). */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000;
}

export interface TrendHistoryOptions {
  /** How many days the history covers, `lastDay` included (its rows are kept as they are). */
  days: number;
  /** The share of passing hosts counted failing on the oldest day, at most (default 0.35). */
  worst?: number;
}

/** The rule rows of `day` (k days before the last) derived from the last day's rows. */
export function pastRuleRows(last: readonly TrendRuleRow[], day: string, k: number, days: number, worst: number): TrendRuleRow[] {
  const byKey = new Map<string, TrendRuleRow>();
  const add = (row: TrendRuleRow, status: TrendRuleRow['status'], hosts: number) => {
    if (hosts <= 0) return;
    const key = `${row.site}\u0000${row.role}\u0000${row.rule_id}\u0000${status}`;
    const known = byKey.get(key);
    if (known === undefined) byKey.set(key, { day, site: row.site, role: row.role, rule_id: row.rule_id, status, hosts });
    else known.hosts += hosts;
  };
  for (const row of last) {
    const pace = unitHash(`${row.site}/${row.rule_id}`);
    // Waivers arrive at some point in the period; before that, the waived hosts were failing.
    if (row.status === 'waived') {
      add(row, k > Math.floor(days * (0.2 + 0.6 * pace)) ? 'fail' : 'waived', row.hosts);
      continue;
    }
    if (row.status !== 'pass') {
      add(row, row.status, row.hosts);
      continue;
    }
    // Half the (site, rule) pairs were already fine; the others improved at their own pace.
    const share = pace < 0.5 ? 0 : worst * Math.min(1, k / (days - 1)) * (0.4 + pace);
    const moved = Math.min(row.hosts, Math.round(row.hosts * share));
    add(row, 'pass', row.hosts - moved);
    add(row, 'fail', moved);
  }
  return [...byKey.values()];
}

/**
 * Writes the `days - 1` days before `lastDay` from lastDay's rows (which a real audit wrote),
 * replacing any rows of those days. Returns how many rule rows were written.
 */
export async function seedTrendHistory(db: Database, lastDay: string, options: TrendHistoryOptions): Promise<number> {
  const worst = options.worst ?? 0.35;
  const rules = (await db.selectFrom('trend_rule_counts').selectAll().where('day', '=', lastDay).execute()) as TrendRuleRow[];
  const hosts = (await db.selectFrom('trend_host_counts').selectAll().where('day', '=', lastDay).execute()) as TrendHostRow[];
  if (rules.length === 0) throw new Error(`no trend rows on ${lastDay}: run a nightly audit first`);
  let written = 0;
  for (let k = 1; k < options.days; k++) {
    const day = dayMinus(lastDay, k);
    const ruleRows = pastRuleRows(rules, day, k, options.days, worst);
    const hostRows = hosts.map((h) => ({ ...h, day, hosts: Number(h.hosts) }));
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('trend_rule_counts').where('day', '=', day).execute();
      await trx.deleteFrom('trend_host_counts').where('day', '=', day).execute();
      for (let i = 0; i < ruleRows.length; i += CHUNK) await trx.insertInto('trend_rule_counts').values(ruleRows.slice(i, i + CHUNK)).execute();
      for (let i = 0; i < hostRows.length; i += CHUNK) await trx.insertInto('trend_host_counts').values(hostRows.slice(i, i + CHUNK)).execute();
      await rollUpTrendDay(trx, day);
    });
    written += ruleRows.length;
  }
  return written;
}
