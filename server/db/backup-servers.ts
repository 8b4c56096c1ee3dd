// The latest reports of the fleet's backup servers, for the BKP-01 join (policies/backup-coverage.ts):
// a handful of hosts, read whole before the audit judges the others.
import type { BackupServerReport } from '../../policies/backup-coverage.js';
import type { Report } from '../../policies/evidence.js';
import { fromDbJson } from './columns.js';
import type { Database } from './schema.js';

/** Far beyond any estate's backup servers, but bounded. */
export const MAX_BACKUP_SERVERS = 1000;

export async function latestBackupServerReports(db: Database): Promise<BackupServerReport[]> {
  const rows = await db
    .selectFrom('hosts')
    .innerJoin('reports', 'reports.report_id', 'hosts.current_report_id')
    .select(['hosts.host_id', 'hosts.hostname', 'reports.body'])
    .where('hosts.revoked_at', 'is', null)
    .where('hosts.role', '=', 'backup-server')
    .orderBy('hosts.host_id')
    .limit(MAX_BACKUP_SERVERS)
    .execute();
  const reports: BackupServerReport[] = [];
  for (const row of rows) {
    if (row.body === null || row.body === undefined) continue;
    // Bodies are stored only after validation against the Report schema.
    reports.push({ host_id: row.host_id, hostname: row.hostname, report: fromDbJson(row.body) as Report });
  }
  return reports;
}
