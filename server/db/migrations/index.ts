// The static migration list: explicit imports (no directory scanning), names sort in order.
import type { Migration, MigrationProvider } from 'kysely';
import type { DialectName } from '../columns.js';
import { initialMigration } from './0001_initial.js';
import { peopleMigration } from './0002_people.js';
import { auditMigration } from './0004_audit.js';
import { verdictSetsMigration } from './0005_verdict_sets.js';
import { auditLogAppendOnlyMigration } from './0006_audit_log_append_only.js';
import { verdictsInReportsMigration } from './0007_verdicts_in_reports.js';
import { loginReservationsMigration } from './0008_login_reservations.js';
import { auditHeadProtectedMigration } from './0008b_audit_head_protected.js';
import { hostEnrolledNameMigration } from './0009_host_enrolled_name.js';
import { dashboardTrendsMigration } from './0010_dashboard_trends.js';
import { accessMigration } from './0011_access.js';
import { accessContactsMigration } from './0011b_access_contacts.js';
import { bastionSessionsMigration } from './0012_bastion_sessions.js';
import { inventoryMigration } from './0013_inventory.js';
import { orgDeclarationsMigration } from './0014_org_declarations.js';
import { dashboardIndexesMigration } from './0018_dashboard_indexes.js';
import { waiverRevocationMigration } from './0017_waiver_revocation.js';
import { accessRequestsKeptMigration } from './0019_access_requests_kept.js';
import { trendStatusCountsMigration } from './0018b_trend_status_counts.js';
import { inventoryFedReportsMigration } from './0022_inventory_fed_reports.js';
import { hostsLiveSeenMigration } from './0020_hosts_live_seen.js';
import { bastionUserSessionsMigration } from './0021_bastion_user_sessions.js';
import { inventoryPageIndexesMigration } from './0023_inventory_page_indexes.js';

export function migrationsFor(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_initial': initialMigration(dialect),
    '0002_people': peopleMigration(dialect),
    '0004_audit': auditMigration(dialect),
    '0005_verdict_sets': verdictSetsMigration(dialect),
    '0006_audit_log_append_only': auditLogAppendOnlyMigration(dialect),
    '0007_verdicts_in_reports': verdictsInReportsMigration(dialect),
    '0008_login_reservations': loginReservationsMigration(dialect),
    '0008b_audit_head_protected': auditHeadProtectedMigration(dialect),
    '0009_host_enrolled_name': hostEnrolledNameMigration(dialect),
    '0010_dashboard_trends': dashboardTrendsMigration(dialect),
    '0011_access': accessMigration(dialect),
    '0011b_access_contacts': accessContactsMigration(dialect),
    '0012_bastion_sessions': bastionSessionsMigration(dialect),
    '0013_inventory': inventoryMigration(dialect),
    '0014_org_declarations': orgDeclarationsMigration(dialect),
    '0018_dashboard_indexes': dashboardIndexesMigration(dialect),
    '0017_waiver_revocation': waiverRevocationMigration(dialect),
    '0019_access_requests_kept': accessRequestsKeptMigration(dialect),
    '0018b_trend_status_counts': trendStatusCountsMigration(dialect),
    '0022_inventory_fed_reports': inventoryFedReportsMigration(dialect),
    '0020_hosts_live_seen': hostsLiveSeenMigration(dialect),
    '0021_bastion_user_sessions': bastionUserSessionsMigration(dialect),
    '0023_inventory_page_indexes': inventoryPageIndexesMigration(dialect),
  };
}

export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}
