// Revoking a waiver (dérogation) records when and by whom, instead of moving its expiry: the row
// keeps the end the approver signed, and an auditor reads "revoked on D by X" beside it.
// Waivers revoked before this migration had their expiry moved to the millisecond before the
// revocation; they stay as they are (expired), there being no record of who revoked them here
// (the audit log's waiver.revoked events hold it).
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

export function waiverRevocationMigration(dialect: DialectName): Migration {
  const { timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('waivers').addColumn('revoked_at', timestamp).execute();
      await db.schema.alterTable('waivers').addColumn('revoked_by', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('waivers').dropColumn('revoked_by').execute();
      await db.schema.alterTable('waivers').dropColumn('revoked_at').execute();
    },
  };
}
