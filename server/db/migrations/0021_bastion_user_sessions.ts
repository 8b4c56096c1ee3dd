// A vendor's own sessions, newest first (page "Mes séances"): the list reads (user_id, started_at,
// session_id) in keyset order from this index instead of walking every user's sessions by date.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function bastionUserSessionsMigration(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('bastion_sessions_user_idx').on('bastion_sessions').columns(['user_id', 'started_at', 'session_id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('bastion_sessions_user_idx').execute();
    },
  };
}
