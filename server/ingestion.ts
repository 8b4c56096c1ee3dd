// Ingesting a report: check it belongs to the authenticated host, evaluate it with the pack of the
// host's enrolled role, and store report + verdicts + last-seen in one transaction. The caller
// acknowledges only after this resolves, i.e. after the commit.
import type { Report } from '../policies/evidence.js';
import { evaluate } from '../policies/evaluate.js';
import type { Pack } from '../policies/pack.js';
import { recordReportSeen, type HostRecord } from './db/hosts.js';
import { isUniqueViolation } from './db/columns.js';
import { findReportRef, insertReport } from './db/reports.js';
import type { Database } from './db/schema.js';
import { insertVerdicts, summarise, type VerdictSummary } from './db/verdicts.js';
import { ApiError } from './errors.js';

export type IngestionResult =
  | { status: 'stored'; report_id: string; verdicts: VerdictSummary }
  | { status: 'duplicate'; report_id: string };

/** The server is authoritative for identity: the report must match what was enrolled. */
export function assertReportMatchesHost(report: Report, host: HostRecord): void {
  if (report.host.host_id !== host.host_id) {
    throw new ApiError(403, 'host_mismatch', 'The report names another host than the one whose credential was presented.');
  }
  if (report.host.role !== host.role) {
    throw new ApiError(
      409,
      'role_mismatch',
      `The report says role "${report.host.role}" but this host is enrolled as "${host.role}"; the server's enrollment is authoritative.`,
    );
  }
  if (report.host.site !== host.site) {
    throw new ApiError(
      409,
      'site_mismatch',
      `The report says site "${report.host.site}" but this host is enrolled at "${host.site}"; the server's enrollment is authoritative.`,
    );
  }
}

/** A replay from the same host is a no-op; a report_id used by another host is a conflict. */
function duplicateOrConflict(existingHostId: string, report: Report, host: HostRecord): IngestionResult {
  if (existingHostId !== host.host_id) {
    throw new ApiError(409, 'report_id_conflict', 'This report_id is already used by another host.');
  }
  return { status: 'duplicate', report_id: report.report_id };
}

export async function ingestReport(
  db: Database,
  host: HostRecord,
  report: Report,
  pack: Pack,
  now: Date,
): Promise<IngestionResult> {
  assertReportMatchesHost(report, host);
  const existing = await findReportRef(db, report.report_id);
  if (existing !== undefined) return duplicateOrConflict(existing.host_id, report, host);

  // Evaluation is pure CPU work: done before the transaction so the write lock is held briefly.
  const verdicts = evaluate(report, pack, now);
  try {
    await db.transaction().execute(async (trx) => {
      await insertReport(trx, report, host.host_id, now);
      await insertVerdicts(trx, report.report_id, host.host_id, verdicts, now);
      await recordReportSeen(trx, host.host_id, {
        report_id: report.report_id,
        collected_at: report.collected_at,
        seen_at: now,
        hostname: report.host.hostname,
        os: report.host.os,
        agent_version: report.agent_version,
      });
    });
  } catch (error) {
    // The same report_id committed by a concurrent request between our check and our insert.
    if (isUniqueViolation(error)) {
      const raced = await findReportRef(db, report.report_id);
      if (raced !== undefined) return duplicateOrConflict(raced.host_id, report, host);
    }
    throw error;
  }
  return { status: 'stored', report_id: report.report_id, verdicts: summarise(verdicts) };
}
