// Login throttling that holds under concurrency, and enrollment tokens that can be revoked.
// - login_attempts.reserved / reserved_until: attempts admitted and still being checked (their
//   password hash in flight). An attempt is reserved before hashing, so concurrent attempts cannot
//   all pass a lock that is read before any of them fails (server/auth/throttle.ts). A reservation
//   left by a crashed server is forgotten after reserved_until.
// - login_attempts.refused / refused_since: attempts refused while locked, not yet written to the
//   audit log; they are journalled once per lock period with their count.
// - enrollment_tokens.revoked_at: an unused token an admin revoked (`vigie token revoke`).
// Dialect-neutral.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function loginReservationsMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('login_attempts').addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('login_attempts').addColumn('reserved_until', timestamp).execute();
      await db.schema.alterTable('login_attempts').addColumn('refused', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('login_attempts').addColumn('refused_since', timestamp).execute();
      await db.schema.alterTable('enrollment_tokens').addColumn('revoked_at', timestamp).execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('enrollment_tokens').dropColumn('revoked_at').execute();
      for (const column of ['refused_since', 'refused', 'reserved_until', 'reserved']) {
        await db.schema.alterTable('login_attempts').dropColumn(column).execute();
      }
    },
  };
}
