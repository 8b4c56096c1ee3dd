// Verdicts: every evaluation is kept (history for trends); a host's current verdicts are those
// of its current report (hosts.current_report_id).
import type { Verdict, VerdictStatus } from '../../policies/verdict.js';
import { VERDICT_STATUSES } from '../../policies/verdict.js';
import { fromDbJson, fromDbTime, toDbJson, toDbTime } from './columns.js';
import type { Database } from './schema.js';

export type VerdictSummary = Record<VerdictStatus, number>;

export function emptySummary(): VerdictSummary {
  return { pass: 0, warn: 0, fail: 0, not_applicable: 0, unknown: 0 };
}

export function summarise(verdicts: readonly Pick<Verdict, 'status'>[]): VerdictSummary {
  const summary = emptySummary();
  for (const v of verdicts) summary[v.status] += 1;
  return summary;
}

export interface StoredVerdict extends Verdict {
  report_id: string;
  evaluated_at: string;
}

/** Rows per INSERT statement: keeps statements well under SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 50;

export async function insertVerdicts(
  db: Database,
  reportId: string,
  hostId: string,
  verdicts: readonly Verdict[],
  evaluatedAt: Date,
): Promise<void> {
  const at = toDbTime(evaluatedAt);
  const rows = verdicts.map((v) => ({
    report_id: reportId,
    host_id: hostId,
    rule_id: v.rule_id,
    status: v.status,
    severity: v.severity,
    title: toDbJson(v.title),
    explanation: toDbJson(v.explanation),
    evidence: toDbJson(v.evidence),
    threshold: v.threshold,
    rule_references: toDbJson(v.references),
    evaluated_at: at,
  }));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto('verdicts').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

/** The verdicts of one report, ordered by rule id. */
export async function verdictsOfReport(db: Database, reportId: string): Promise<StoredVerdict[]> {
  const rows = await db
    .selectFrom('verdicts')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('rule_id')
    .execute();
  return rows.map((r) => ({
    report_id: r.report_id,
    rule_id: r.rule_id,
    // Only Verdict values produced by policies/evaluate.ts are ever written.
    status: r.status as Verdict['status'],
    severity: r.severity as Verdict['severity'],
    title: fromDbJson(r.title) as Verdict['title'],
    explanation: fromDbJson(r.explanation) as Verdict['explanation'],
    evidence: fromDbJson(r.evidence) as string[],
    threshold: r.threshold,
    references: fromDbJson(r.rule_references) as string[],
    evaluated_at: fromDbTime(r.evaluated_at),
  }));
}

/** Status counts of each listed host's current verdicts (hosts without any get an empty summary). */
export async function currentSummaries(db: Database, hostIds: readonly string[]): Promise<Map<string, VerdictSummary>> {
  const summaries = new Map<string, VerdictSummary>(hostIds.map((id) => [id, emptySummary()]));
  if (hostIds.length === 0) return summaries;
  const rows = await db
    .selectFrom('verdicts')
    .innerJoin('hosts', 'hosts.current_report_id', 'verdicts.report_id')
    .select(['verdicts.host_id', 'verdicts.status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('verdicts.host_id', 'in', hostIds)
    .groupBy(['verdicts.host_id', 'verdicts.status'])
    .execute();
  for (const row of rows) {
    const summary = summaries.get(row.host_id);
    if (summary !== undefined && (VERDICT_STATUSES as readonly string[]).includes(row.status)) {
      summary[row.status as VerdictStatus] = Number(row.n);
    }
  }
  return summaries;
}

