// Raw reports as received: one row per report_id (replays are recognised, never stored twice).
import type { Report } from '../../policies/evidence.js';
import { fromDbJson, toDbJson, toDbTime } from './columns.js';
import { PreparedQuery } from './prepared-query.js';
import type { Database } from './schema.js';
import type { VerdictSetRow } from './verdicts.js';

/** Who stored a report_id (ingestion asks when an insert found it already there). */
export const FIND_REPORT_OWNER = new PreparedQuery<{ report_id: string }, { host_id: string }>(['report_id'], (db, { report_id }) =>
  db.selectFrom('reports').select('host_id').where('report_id', '=', report_id),
);

/** The host that stored `reportId`, if it is stored. */
export async function findReportOwner(db: Database, reportId: string): Promise<string | undefined> {
  const { rows } = await FIND_REPORT_OWNER.run(db, { report_id: reportId });
  return rows[0]?.host_id;
}

/** The stored report body; null when pruned by the evidence retention, undefined when unknown. */
export async function findReportBody(db: Database, reportId: string): Promise<Report | null | undefined> {
  const row = await db.selectFrom('reports').select('body').where('report_id', '=', reportId).executeTakeFirst();
  if (row === undefined) return undefined;
  return row.body === null ? null : (fromDbJson(row.body) as Report);
}

/** A validated report as written: times already ISO-8601 UTC, the body as JSON text. */
export interface ReportRow {
  report_id: string;
  host_id: string;
  collected_at: string;
  received_at: string;
  body: string;
}

/** A report row with its verdict set: one row holds both (migration 0007). */
export type JudgedReportRow = ReportRow & VerdictSetRow;

// Run for every report received (server/ingestion/ingestion.ts), hence compiled once.
export const INSERT_REPORT_IF_NEW = new PreparedQuery<JudgedReportRow, never>(
  [
    'report_id',
    'host_id',
    'collected_at',
    'received_at',
    'body',
    'evaluated_at',
    'pack_label',
    'pack_fingerprint',
    'statuses',
    'pass',
    'warn',
    'fail',
    'not_applicable',
    'unknown',
  ],
  (db, row) =>
    db
      .insertInto('reports')
      .values({
        report_id: row.report_id,
        host_id: row.host_id,
        collected_at: row.collected_at,
        received_at: row.received_at,
        body: row.body,
        evaluated_at: row.evaluated_at,
        pack_label: row.pack_label,
        pack_fingerprint: row.pack_fingerprint,
        statuses: row.statuses,
        pass: row.pass,
        warn: row.warn,
        fail: row.fail,
        not_applicable: row.not_applicable,
        unknown: row.unknown,
        details: null,
      })
      .onConflict((oc) => oc.column('report_id').doNothing()),
);

/**
 * Store the report and its verdict set unless its report_id is already stored (by anyone: see
 * findReportOwner). Returns whether it was stored. Inside a transaction, a report_id written
 * earlier in the same transaction counts as stored; on PostgreSQL, one being written by another
 * transaction is waited for.
 */
export async function insertReportIfNew(db: Database, row: JudgedReportRow): Promise<boolean> {
  const result = await INSERT_REPORT_IF_NEW.run(db, row);
  return result.numAffectedRows === 1n;
}

/** The row of a validated report received at `receivedAt` from `hostId`; `text` is its JSON as received. */
export function reportRow(report: Report, hostId: string, receivedAt: Date, text?: string): ReportRow {
  return {
    report_id: report.report_id,
    host_id: hostId,
    collected_at: toDbTime(report.collected_at),
    received_at: toDbTime(receivedAt),
    body: text ?? toDbJson(report),
  };
}

/**
 * Evidence retention: drop the raw bodies of reports received before `before`, except each host's
 * current report (its verdicts are shown, so their evidence stays). Verdict history is kept.
 * Returns how many bodies were dropped.
 */
export async function pruneReportBodies(db: Database, before: Date): Promise<number> {
  const result = await db
    .updateTable('reports')
    .set({ body: null })
    .where('received_at', '<', toDbTime(before))
    .where('body', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('hosts')
            .select('hosts.host_id')
            .whereRef('hosts.current_report_id', '=', 'reports.report_id'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
