// The audit log becomes append-only in the database itself: UPDATE and DELETE (and, on PostgreSQL,
// TRUNCATE) of audit_log rows are refused by triggers. The hash chain already detects tampering
// (`vigie auditlog verify`); this prevents it through the application's own connection and any
// casual SQL session. Someone able to drop triggers can still edit rows, which the chain reveals.
// The only dialect-specific migration: triggers have no portable syntax.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function auditLogAppendOnlyMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
        await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
        return;
      }
      await sql`CREATE FUNCTION vigie_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`.execute(db);
      await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION vigie_audit_log_append_only()`.execute(db);
      await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION vigie_audit_log_append_only()`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`DROP TRIGGER audit_log_no_update`.execute(db);
        await sql`DROP TRIGGER audit_log_no_delete`.execute(db);
        return;
      }
      await sql`DROP TRIGGER audit_log_no_truncate ON audit_log`.execute(db);
      await sql`DROP TRIGGER audit_log_append_only ON audit_log`.execute(db);
      await sql`DROP FUNCTION vigie_audit_log_append_only()`.execute(db);
    },
  };
}
