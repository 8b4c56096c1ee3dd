// The overview's last-seen buckets at 100,000 hosts (bench/dashboard.bench.ts, profiled): counting
// them scanned every hosts row (about 300 ms on SQLite at 100,000 hosts). An index of the active
// hosts' last_seen_at (partial: revoked hosts are never counted) answers each bucket as a range
// of the index, and the hosts page's unfiltered count as a scan of it alone.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function hostsLiveSeenMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('hosts_live_seen_idx').on('hosts').column('last_seen_at').where(sql.ref('revoked_at'), 'is', null).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('hosts_live_seen_idx').execute();
    },
  };
}
