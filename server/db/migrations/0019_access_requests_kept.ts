// Access requests are permanent records: the grant under which a vendor's session was recorded
// must outlive nothing of that recording. The database itself refuses to delete a request while a
// bastion session recorded under it still has its recording (recording_deleted_at is null), so no
// retention job, script or casual SQL session through the application's connection can orphan a
// recording. Nothing in Vigie deletes requests; this makes it a rule rather than a habit.
// Dialect-specific, like 0006: triggers have no portable syntax.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../columns.js';

export function accessRequestsKeptMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER access_requests_kept BEFORE DELETE ON access_requests
          WHEN EXISTS (SELECT 1 FROM bastion_sessions s WHERE s.request_id = OLD.request_id AND s.recording_deleted_at IS NULL)
          BEGIN SELECT RAISE(ABORT, 'access request kept: a recording made under it still exists'); END`.execute(db);
        return;
      }
      await sql`CREATE FUNCTION vigie_access_requests_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM bastion_sessions s WHERE s.request_id = OLD.request_id AND s.recording_deleted_at IS NULL) THEN
            RAISE EXCEPTION 'access request kept: a recording made under it still exists';
          END IF;
          RETURN OLD;
        END $$`.execute(db);
      await sql`CREATE TRIGGER access_requests_kept BEFORE DELETE ON access_requests
        FOR EACH ROW EXECUTE FUNCTION vigie_access_requests_kept()`.execute(db);
      // TRUNCATE skips row triggers: refused outright on the requests table.
      await sql`CREATE FUNCTION vigie_access_requests_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'access requests are permanent records'; END $$`.execute(db);
      await sql`CREATE TRIGGER access_requests_no_truncate BEFORE TRUNCATE ON access_requests
        FOR EACH STATEMENT EXECUTE FUNCTION vigie_access_requests_no_truncate()`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`DROP TRIGGER access_requests_kept`.execute(db);
        return;
      }
      await sql`DROP TRIGGER access_requests_no_truncate ON access_requests`.execute(db);
      await sql`DROP TRIGGER access_requests_kept ON access_requests`.execute(db);
      await sql`DROP FUNCTION vigie_access_requests_no_truncate()`.execute(db);
      await sql`DROP FUNCTION vigie_access_requests_kept()`.execute(db);
    },
  };
}
