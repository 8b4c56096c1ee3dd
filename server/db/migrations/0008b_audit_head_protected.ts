// The audit log's head row (the last seq and hash, which verification compares with the log's
// end) is protected in the database like the journal rows (0006): it cannot be deleted, a second
// head cannot be inserted, and an update must move it forward onto the entry that is now the
// last of audit_log (or leave it unchanged, as the append lock does). So cutting the end of the
// log, or pointing the head at an entry of one's choosing, is refused through the application's
// connection and any casual SQL session. Someone able to drop triggers can still do both; only a
// head kept outside the database (`vigie auditlog verify --expect-head SEQ:HASH`) reveals that.
// Dialect-specific, as 0006: triggers have no portable syntax.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function auditHeadProtectedMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER audit_log_head_no_delete BEFORE DELETE ON audit_log_head BEGIN SELECT RAISE(ABORT, 'audit_log_head is protected'); END`.execute(db);
        await sql`CREATE TRIGGER audit_log_head_no_insert BEFORE INSERT ON audit_log_head BEGIN SELECT RAISE(ABORT, 'audit_log_head is protected'); END`.execute(db);
        await sql`CREATE TRIGGER audit_log_head_follows_log BEFORE UPDATE ON audit_log_head
          WHEN NOT (
            NEW.id = OLD.id AND (
              (NEW.last_seq = OLD.last_seq AND NEW.last_hash = OLD.last_hash)
              OR (NEW.last_seq > OLD.last_seq
                  AND EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.last_seq AND hash = NEW.last_hash)
                  AND NOT EXISTS (SELECT 1 FROM audit_log WHERE seq > NEW.last_seq))))
          BEGIN SELECT RAISE(ABORT, 'audit_log_head is protected: it only moves forward to the last entry'); END`.execute(db);
        return;
      }
      await sql`CREATE FUNCTION vigie_audit_log_head_protected() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND (
               (NEW.last_seq = OLD.last_seq AND NEW.last_hash = OLD.last_hash)
               OR (NEW.last_seq > OLD.last_seq
                   AND EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.last_seq AND hash = NEW.last_hash)
                   AND NOT EXISTS (SELECT 1 FROM audit_log WHERE seq > NEW.last_seq))) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'audit_log_head is protected: it only moves forward to the last entry';
        END $$`.execute(db);
      await sql`CREATE TRIGGER audit_log_head_protected BEFORE INSERT OR UPDATE OR DELETE ON audit_log_head
        FOR EACH ROW EXECUTE FUNCTION vigie_audit_log_head_protected()`.execute(db);
      await sql`CREATE TRIGGER audit_log_head_no_truncate BEFORE TRUNCATE ON audit_log_head
        FOR EACH STATEMENT EXECUTE FUNCTION vigie_audit_log_head_protected()`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        for (const name of ['audit_log_head_follows_log', 'audit_log_head_no_insert', 'audit_log_head_no_delete']) await sql`DROP TRIGGER ${sql.raw(name)}`.execute(db);
        return;
      }
      await sql`DROP TRIGGER audit_log_head_no_truncate ON audit_log_head`.execute(db);
      await sql`DROP TRIGGER audit_log_head_protected ON audit_log_head`.execute(db);
      await sql`DROP FUNCTION vigie_audit_log_head_protected()`.execute(db);
    },
  };
}
