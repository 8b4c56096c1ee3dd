// Indexes the Destinations page needs at 100,000 hosts (measured by bench/destinations.bench.ts,
// --query-only): each of its panels then reads an index alone instead of every inventory row of
// the site.
// - coverage per scope counts rows per (site, role, verdict): 94 -> 9 ms;
// - the registrable-domain groups count rows and those outside the allowlist per (site, domain):
//   63 -> 10 ms;
// - entry use counts and dates the rows each allowlist entry allows per (site, role): 28 -> 7 ms.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function inventoryPageIndexesMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('inventory_destinations_scope_verdict_idx').on('inventory_destinations').columns(['site', 'role', 'verdict']).execute();
      await db.schema.createIndex('inventory_destinations_domain_idx').on('inventory_destinations').columns(['site', 'domain', 'verdict']).execute();
      await db.schema.createIndex('inventory_destinations_entry_idx').on('inventory_destinations').columns(['site', 'role', 'verdict_entry', 'last_seen']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('inventory_destinations_entry_idx').execute();
      await db.schema.dropIndex('inventory_destinations_domain_idx').execute();
      await db.schema.dropIndex('inventory_destinations_scope_verdict_idx').execute();
    },
  };
}
