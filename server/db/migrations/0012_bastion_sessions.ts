// Bastion sessions (server/bastion/): one row per SSH connection through the bastion under a grant.
// Live rows have no ended_at; an API or CLI "cut" sets cut_requested_at, which the watchdog of
// whichever replica holds the connection reads on its next tick. The recording itself lives in the
// data dir (outside the database); the row keeps the hashes of its signed manifest.
// Dialect-neutral: column types that differ come from columnTypes().
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function bastionSessionsMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('bastion_sessions')
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('target_name', 'text', (c) => c.notNull())
        .addColumn('source_ip', 'text', (c) => c.notNull())
        /** Which server process holds the connection (hostname:pid:random), for operators of several replicas. */
        .addColumn('replica', 'text', (c) => c.notNull())
        .addColumn('started_at', timestamp, (c) => c.notNull())
        .addColumn('not_after', timestamp, (c) => c.notNull())
        .addColumn('ended_at', timestamp)
        /** window_end, revoked, cut, idle, recording_failed, database_unreachable, client_closed, upstream_closed, upstream_failed, server_stopped... */
        .addColumn('end_reason', 'text')
        .addColumn('cut_requested_at', timestamp)
        .addColumn('cut_requested_by', 'text')
        /** Folder name under the recordings directory. */
        .addColumn('recording_dir', 'text', (c) => c.notNull())
        .addColumn('input_recorded', 'integer', (c) => c.notNull())
        .addColumn('bytes_from_client', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_to_client', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('manifest_sha256', 'text')
        /** SHA-256 of the signed SHA256SUMS, also in the audit log. */
        .addColumn('signed_sha256', 'text')
        /** Once past, the recording files may be deleted (the row stays). */
        .addColumn('retain_until', timestamp)
        .addColumn('recording_deleted_at', timestamp)
        .execute();
      await db.schema.createIndex('bastion_sessions_started_idx').on('bastion_sessions').column('started_at').execute();
      await db.schema.createIndex('bastion_sessions_ended_idx').on('bastion_sessions').column('ended_at').execute();
      await db.schema.createIndex('bastion_sessions_grant_idx').on('bastion_sessions').column('grant_id').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('bastion_sessions').execute();
    },
  };
}
