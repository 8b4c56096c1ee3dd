// Where access notices reach a person (server/access/contacts.ts): an email address and the
// language of the messages, one row per user. Kept out of `users` so the people module stays as it
// is; a user without a row gets no email (webhook and syslog still carry every notice).
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function accessContactsMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('access_contacts')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.user_id'))
        .addColumn('email', 'text', (c) => c.notNull())
        /** 'fr' or 'en': the language a message opens with (French first by default). */
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('access_contacts').execute();
    },
  };
}
