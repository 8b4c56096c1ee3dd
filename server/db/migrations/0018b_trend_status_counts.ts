// The daily trend counts summed over rules: per (day, site, role, status), how many host-rule
// results. The overview's 30/90-day compliance lines, the trends page (without a rule filter) and
// the sites page read this roll-up: about 16,000 rows for 90 days of 10 sites, where the per-rule
// table holds some 260,000 (bench/dashboard.bench.ts measured the overview at over 200 ms reading
// those). It is derived from trend_rule_counts in the same transaction that writes them
// (server/db/trends.ts, rollUpTrendDay), and back-filled here from the rows already there.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function trendStatusCountsMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('trend_status_counts')
        /** YYYY-MM-DD, calendar day in Europe/Paris (as trend_rule_counts). */
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('hosts', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('trend_status_counts_pk', ['day', 'site', 'role', 'status'])
        .execute();
      // Covering, in the order the series read it (day, then status): no table read, no sort.
      await db.schema.createIndex('trend_status_counts_series_idx').on('trend_status_counts').columns(['day', 'status', 'site', 'role', 'hosts']).execute();
      await sql`insert into trend_status_counts (day, site, role, status, hosts)
        select day, site, role, status, sum(hosts) from trend_rule_counts group by day, site, role, status`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('trend_status_counts').execute();
    },
  };
}
