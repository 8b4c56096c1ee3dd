// Migrations are serialised across processes: several `vigie` commands (or server replicas)
// started at once on a new database must not migrate it together. Kysely's migrator alone does
// not ensure it: it creates its bookkeeping tables and lock row before taking its lock (two
// processes race there), and on SQLite it takes no lock at all ("one connection" holds only
// within one process). So the whole migration runs under a lock held across processes:
// - PostgreSQL: a session advisory lock on a connection of its own (a key distinct from Kysely's
//   own, which its migration transaction takes on another connection), waited for at most
//   MIGRATION_LOCK_WAIT_MS;
// - SQLite: an exclusive transaction on a small lock file beside the database
//   (`vigie.sqlite.migrate-lock`, 0600), which SQLite's file locking holds for one process at a
//   time; the others wait (busy timeout) up to MIGRATION_LOCK_WAIT_MS.
// A process that finds the schema already current once it has the lock has nothing to do.
import { closeSync, openSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { DialectName } from './columns.js';
import type { Database } from './schema.js';

export const MIGRATION_LOCK_WAIT_MS = 120_000;
/** pg_advisory_lock(classid, objid): 'vigi' and 'migr' in ASCII. */
const PG_LOCK_KEYS = [0x76696769, 0x6d696772] as const;

export class MigrationLockError extends Error {
  override name = 'MigrationLockError';
}

/** The SQLite lock file of a database file. */
export const migrationLockFile = (sqliteFile: string) => `${sqliteFile}.migrate-lock`;

export async function withMigrationLock<T>(db: Database, dialect: DialectName, sqliteFile: string | undefined, run: () => Promise<T>): Promise<T> {
  if (dialect === 'postgres') return withPostgresLock(db, run);
  if (sqliteFile === undefined) return run();
  return withSqliteLock(sqliteFile, run);
}

async function withPostgresLock<T>(db: Database, run: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select set_config('lock_timeout', ${`${MIGRATION_LOCK_WAIT_MS}ms`}, false)`.execute(conn);
    try {
      await sql`select pg_advisory_lock(${PG_LOCK_KEYS[0]}::int, ${PG_LOCK_KEYS[1]}::int)`.execute(conn);
    } catch (error) {
      throw new MigrationLockError(`another process kept the migration lock for ${MIGRATION_LOCK_WAIT_MS / 1000} s: ${(error as Error).message}`, { cause: error });
    } finally {
      await sql`select set_config('lock_timeout', '0', false)`.execute(conn);
    }
    try {
      return await run();
    } finally {
      await sql`select pg_advisory_unlock(${PG_LOCK_KEYS[0]}::int, ${PG_LOCK_KEYS[1]}::int)`.execute(conn);
    }
  });
}

async function withSqliteLock<T>(sqliteFile: string, run: () => Promise<T>): Promise<T> {
  const file = migrationLockFile(sqliteFile);
  // Created owner-only before SQLite opens it (SQLite would create it with the umask's mode).
  closeSync(openSync(file, 'a', 0o600));
  const lock = new BetterSqlite3(file, { timeout: MIGRATION_LOCK_WAIT_MS });
  try {
    try {
      lock.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      throw new MigrationLockError(`another process kept the migration lock (${file}) for ${MIGRATION_LOCK_WAIT_MS / 1000} s: ${(error as Error).message}`, { cause: error });
    }
    try {
      return await run();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}
