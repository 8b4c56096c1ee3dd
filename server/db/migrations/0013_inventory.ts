// The destination inventory (server/inventory/): raw sightings (short retention), their roll-up
// per (site, role, destination, port, protocol, direction), the feed cursors, proxy-log import
// progress, learning scopes and allowlist proposals. Dialect-neutral DDL.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function inventoryMigration(dialect: DialectName): Migration {
  const { json, timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inventory_sightings')
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        /** host_id, or `unmapped:<address>` for a proxy client no agent reports. */
        .addColumn('host_key', 'text', (c) => c.notNull())
        /** UTC day, YYYY-MM-DD. */
        .addColumn('day', 'text', (c) => c.notNull())
        /** `agent` or `proxy:<format>`. */
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('process', 'text')
        .addColumn('first_seen', timestamp, (c) => c.notNull())
        .addColumn('last_seen', timestamp, (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('inventory_sightings_pk', ['site', 'role', 'destination', 'port', 'protocol', 'direction', 'host_key', 'day', 'source'])
        .execute();
      await db.schema.createIndex('inventory_sightings_day_idx').on('inventory_sightings').column('day').execute();

      await db.schema
        .createTable('inventory_destinations')
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        /** 'name' | 'address' */
        .addColumn('kind', 'text', (c) => c.notNull())
        /** Registrable domain (tldts, private suffixes on) of a name; null for an address. */
        .addColumn('domain', 'text')
        .addColumn('internal', 'integer', (c) => c.notNull())
        .addColumn('hosts_count', 'integer', (c) => c.notNull())
        /** At most 10 host keys. */
        .addColumn('hosts_sample', json, (c) => c.notNull())
        /** {process: sightings}, at most 10. */
        .addColumn('processes', json, (c) => c.notNull())
        /** {source: sightings}; name sources with their confidence, e.g. "dnsmasq-log/exact". */
        .addColumn('sources', json, (c) => c.notNull())
        /** Addresses a name was seen at (at most 16); [] for an address. */
        .addColumn('addresses', json, (c) => c.notNull())
        .addColumn('first_seen', timestamp, (c) => c.notNull())
        .addColumn('last_seen', timestamp, (c) => c.notNull())
        .addColumn('days_seen', 'integer', (c) => c.notNull())
        .addColumn('last_day', 'text', (c) => c.notNull())
        /** 'allowed' | 'expiring' | 'unlisted' | 'name_unknown' | 'internal' */
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('verdict_entry', 'text')
        .addColumn('verdict_reason', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inventory_destinations_pk', ['site', 'role', 'destination', 'port', 'protocol', 'direction'])
        .execute();
      await db.schema.createIndex('inventory_destinations_verdict_idx').on('inventory_destinations').columns(['site', 'verdict']).execute();

      await db.schema
        .createTable('inventory_host_addresses')
        .addColumn('address', 'text', (c) => c.primaryKey())
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('seen_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('inventory_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('proxy_log_imports')
        .addColumn('stream', 'text', (c) => c.primaryKey())
        .addColumn('format', 'text', (c) => c.notNull())
        /** Byte offset of the first line not yet committed. */
        .addColumn('offset', 'bigint', (c) => c.notNull())
        /** Identity of a file import (device:inode:size of its first 4 KiB digest), '' for a shipper stream. */
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('lines', 'bigint', (c) => c.notNull())
        .addColumn('rejected', 'bigint', (c) => c.notNull())
        .addColumn('unmapped', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('learning_scopes')
        .addColumn('scope_id', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', timestamp, (c) => c.notNull())
        .addColumn('ends_at', timestamp, (c) => c.notNull())
        .addColumn('closed_at', timestamp)
        .addColumn('closed_by', 'text')
        .addColumn('waiver_id', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('destination_proposals')
        .addColumn('proposal_id', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        /** 'allow' | 'via-proxy' | 'remove' */
        .addColumn('kind', 'text', (c) => c.notNull())
        /** What the proposal is about: the match text (fqdn, cidr) and port/protocol, or the entry id to remove. */
        .addColumn('subject', 'text', (c) => c.notNull())
        /** The proposed allowlist entry (complete but for what a person fills), JSON. */
        .addColumn('entry', json, (c) => c.notNull())
        /** The observations behind it (hosts count, days seen, sources). */
        .addColumn('evidence', json, (c) => c.notNull())
        /** 'pending' | 'approved' | 'rejected' */
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('proposed_at', timestamp, (c) => c.notNull())
        .addColumn('proposed_by', 'text', (c) => c.notNull())
        .addColumn('decided_at', timestamp)
        .addColumn('decided_by', 'text')
        .addColumn('decision', json)
        .execute();
      await db.schema.createIndex('destination_proposals_scope_idx').on('destination_proposals').columns(['site', 'role', 'status']).execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ['destination_proposals', 'learning_scopes', 'proxy_log_imports', 'inventory_state', 'inventory_host_addresses', 'inventory_destinations', 'inventory_sightings']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
