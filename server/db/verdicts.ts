// Verdict sets: one per judged report (history for trends), stored in the report's own row and
// read through the verdict_sets view (migration 0007); a host's current verdicts are those of its
// current report (hosts.current_report_id). A set keeps each rule's status, the
// counts, and which pack judged (label + fingerprint); the explanations are derived again from the
// stored report when shown (server/verdicts/verdict-details.ts), so they are not written per report.
import type { Severity, Verdict, VerdictStatus } from '../../policies/verdict.js';
import { fromDbJson, fromDbTime } from './columns.js';
import type { Database } from './schema.js';

export type VerdictSummary = Record<VerdictStatus, number>;

export function emptySummary(): VerdictSummary {
  return { pass: 0, warn: 0, fail: 0, not_applicable: 0, unknown: 0 };
}

/** What ingestion writes for one judged report (plain strings and numbers: it crosses threads). */
export interface VerdictSetRecord {
  report_id: string;
  host_id: string;
  /** ISO-8601. */
  evaluated_at: string;
  pack_label: string;
  pack_fingerprint: string;
  /** JSON text of {rule_id: [status, severity]}. */
  statuses: string;
  summary: VerdictSummary;
}

const quotedRuleIds = new Map<string, string>();

function quotedRuleId(ruleId: string): string {
  let quoted = quotedRuleIds.get(ruleId);
  if (quoted === undefined) {
    quoted = JSON.stringify(ruleId);
    // Bounded: packs have a few dozen rules; a runaway set of ids is simply not cached.
    if (quotedRuleIds.size < 10_000) quotedRuleIds.set(ruleId, quoted);
  }
  return quoted;
}

/** The record of `verdicts`, judged at `evaluatedAt` by the pack of that label and fingerprint. */
export function verdictSetRecord(
  ids: { report_id: string; host_id: string },
  verdicts: readonly Pick<Verdict, 'rule_id' | 'status' | 'severity'>[],
  pack: { label: string; fingerprint: string },
  evaluatedAt: Date,
): VerdictSetRecord {
  // Built as text directly: this runs for every report received. Statuses and severities are
  // enum words; rule ids are quoted by JSON.stringify all the same (once per rule id).
  const summary = emptySummary();
  let statuses = '';
  for (const v of verdicts) {
    summary[v.status] += 1;
    statuses += `${statuses === '' ? '' : ','}${quotedRuleId(v.rule_id)}:["${v.status}","${v.severity}"]`;
  }
  return {
    report_id: ids.report_id,
    host_id: ids.host_id,
    evaluated_at: evaluatedAt.toISOString(),
    pack_label: pack.label,
    pack_fingerprint: pack.fingerprint,
    statuses: `{${statuses}}`,
    summary,
  };
}

export type VerdictSetRow = Omit<VerdictSetRecord, 'summary'> & VerdictSummary;

/** The verdict columns of the report row written for `record` (see INSERT_REPORT_IF_NEW in reports.ts). */
export function verdictSetRow(record: VerdictSetRecord): VerdictSetRow {
  const { summary, ...rest } = record;
  return { ...rest, ...summary };
}

export interface StoredVerdictSet {
  report_id: string;
  host_id: string;
  evaluated_at: string;
  pack_label: string;
  pack_fingerprint: string;
  /** Each rule's outcome, by rule id. */
  results: Array<{ rule_id: string; status: VerdictStatus; severity: Severity }>;
  summary: VerdictSummary;
  /** Verdicts frozen at write time (only rows carried over by migration 0005), else null. */
  details: Verdict[] | null;
}

export async function findVerdictSet(db: Database, reportId: string): Promise<StoredVerdictSet | undefined> {
  const row = await db.selectFrom('verdict_sets').selectAll().where('report_id', '=', reportId).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    report_id: row.report_id,
    host_id: row.host_id,
    evaluated_at: fromDbTime(row.evaluated_at),
    pack_label: row.pack_label,
    pack_fingerprint: row.pack_fingerprint,
    // Only values written by verdictSetRecord (or carried over from verdicts) are ever stored.
    // Sorted by rule id, as evaluate() orders verdicts (jsonb does not keep the written key order).
    results: Object.entries(fromDbJson(row.statuses) as Record<string, [VerdictStatus, Severity]>)
      .map(([rule_id, [status, severity]]) => ({ rule_id, status, severity }))
      .sort((a, b) => (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0)),
    summary: { pass: row.pass, warn: row.warn, fail: row.fail, not_applicable: row.not_applicable, unknown: row.unknown },
    details: row.details === null ? null : (fromDbJson(row.details) as Verdict[]),
  };
}

/** Status counts of each listed host's current verdicts (hosts without any get an empty summary). */
export async function currentSummaries(db: Database, hostIds: readonly string[]): Promise<Map<string, VerdictSummary>> {
  const summaries = new Map<string, VerdictSummary>(hostIds.map((id) => [id, emptySummary()]));
  if (hostIds.length === 0) return summaries;
  const rows = await db
    .selectFrom('verdict_sets')
    .innerJoin('hosts', 'hosts.current_report_id', 'verdict_sets.report_id')
    .select(['verdict_sets.host_id', 'pass', 'warn', 'fail', 'not_applicable', 'unknown'])
    .where('verdict_sets.host_id', 'in', hostIds)
    .execute();
  for (const row of rows) {
    if (!summaries.has(row.host_id)) continue;
    // PostgreSQL returns integers as numbers; Number() also accepts SQLite's.
    summaries.set(row.host_id, {
      pass: Number(row.pass),
      warn: Number(row.warn),
      fail: Number(row.fail),
      not_applicable: Number(row.not_applicable),
      unknown: Number(row.unknown),
    });
  }
  return summaries;
}

