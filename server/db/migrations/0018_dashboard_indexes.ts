// Indexes the dashboard needs at 100,000 hosts (measured by bench/dashboard.bench.ts):
// - hosts in keyset order (site, hostname, host_id): the hosts list pages by it, filtered or not;
// - the verdict counts of reports by report_id, so the hosts list reads a host's counts from the
//   index alone (on SQLite those columns sit after the report body, in its overflow pages);
// - a host's audit results by host (host page's 90-day history); audit_hosts' key starts with
//   the audit, which left that lookup a scan of every audit's rows.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function dashboardIndexesMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('hosts_keyset_idx').on('hosts').columns(['site', 'hostname', 'host_id']).execute();
      await db.schema.createIndex('reports_verdict_counts_idx').on('reports').columns(['report_id', 'pass', 'warn', 'fail', 'unknown', 'not_applicable']).execute();
      await db.schema.createIndex('audit_hosts_host_idx').on('audit_hosts').columns(['host_id', 'audit_id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('audit_hosts_host_idx').execute();
      await db.schema.dropIndex('reports_verdict_counts_idx').execute();
      await db.schema.dropIndex('hosts_keyset_idx').execute();
    },
  };
}
