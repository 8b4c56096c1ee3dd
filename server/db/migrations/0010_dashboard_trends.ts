// Daily posture counts for the dashboard's trends and "as of date" views (see server/db/trends.ts),
// back-filled from the audits already stored so trends start with the history there is.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../columns.js';
import type { Tables } from '../schema.js';
import { backfillTrendsFromAudits } from '../trends.js';

export function dashboardTrendsMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('trend_rule_counts')
        /** YYYY-MM-DD, calendar day in Europe/Paris. */
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        /** pass | warn | fail | unknown | not_applicable | waived */
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('hosts', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('trend_rule_counts_pk', ['day', 'site', 'role', 'rule_id', 'status'])
        .execute();
      await db.schema.createIndex('trend_rule_counts_rule_idx').on('trend_rule_counts').columns(['rule_id', 'day']).execute();
      await db.schema
        .createTable('trend_host_counts')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        /** assessed | stale | never_reported */
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('hosts', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('trend_host_counts_pk', ['day', 'site', 'role', 'state'])
        .execute();
      await backfillTrendsFromAudits(db as Kysely<Tables>);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('trend_host_counts').execute();
      await db.schema.dropTable('trend_rule_counts').execute();
    },
  };
}
