// The inventory feed's record of which reports it has rolled up (server/inventory/feed.ts): a
// report is claimed here in the same transaction as its sightings, so a report whose received_at
// ties or precedes the feed's watermark (stamped before a concurrent transaction committed) is
// still fed once, and only once. Rows older than the feed's lookback are pruned by the feed.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function inventoryFedReportsMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inventory_fed_reports')
        .addColumn('report_id', 'text', (c) => c.primaryKey())
        .addColumn('received_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('inventory_fed_reports_received_idx').on('inventory_fed_reports').column('received_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('inventory_fed_reports').execute();
    },
  };
}
