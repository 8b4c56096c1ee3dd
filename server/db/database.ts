// Opening the database: the embedded SQLite file by default, PostgreSQL when a URL is given.
// Migrations are applied before the handle is returned, so callers always see the current schema.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DialectName } from './columns.js';
import { StaticMigrationProvider } from './migrations/index.js';
import { withMigrationLock } from './migration-lock.js';
import type { Database, Tables } from './schema.js';
import { prepareSqliteFiles } from './sqlite-file-modes.js';

export const SQLITE_FILE_NAME = 'vigie.sqlite';

export interface OpenDatabaseOptions {
  dataDir: string;
  /** `postgres://...` selects PostgreSQL; absent or null means SQLite in dataDir. */
  databaseUrl?: string | null;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** The SQLite file of each handle opened by openDatabase (ingestion writes it from a worker thread). */
const sqliteFiles = new WeakMap<Database, string>();

/** The file behind a SQLite handle from openDatabase; undefined for PostgreSQL (or a transaction). */
export function sqliteFileOf(db: Database): string | undefined {
  return sqliteFiles.get(db);
}

/**
 * A connection to an existing SQLite file, configured as every connection of Vigie is: WAL so
 * readers run beside the writer; synchronous FULL so a commit is on disk (fsync of the WAL) before
 * anything is acknowledged, even across a power cut; foreign keys on (off by default in SQLite);
 * a busy timeout because ingestion writes from its own thread and connection.
 */
export function openSqliteFile(file: string): Kysely<Tables> {
  return kyselyOverSqlite(openSqliteConnection(file));
}

/** A better-sqlite3 connection to an existing file, configured as openSqliteFile's. */
export function openSqliteConnection(file: string): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(file);
  // First: switching a new file to WAL needs its lock, which another process may hold a moment.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // 64 MiB of page cache (the default is 2 MiB): the dashboard's pages at 100,000 hosts read
  // indexes of a few MiB each, which the default cache evicted between two pages.
  sqlite.pragma('cache_size = -65536');
  return sqlite;
}

/** Kysely over a connection from openSqliteConnection (statements cached; see below). */
export function kyselyOverSqlite(sqlite: BetterSqlite3.Database): Kysely<Tables> {
  return new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

function openSqlite(dataDir: string): Kysely<Tables> {
  const file = prepareSqliteFiles(dataDir, SQLITE_FILE_NAME);
  const db = openSqliteFile(file);
  sqliteFiles.set(db, file);
  return db;
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely asks better-sqlite3 to prepare every query it runs; preparing costs more than running
 * the small statements of ingestion. Statements are reusable, so keep the most recent ones by
 * SQL text (bounded; the oldest is dropped). Kysely runs them with all()/run(), never leaving
 * one mid-iteration, so sharing a statement between queries is safe.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((requested: string) => {
    // Every transaction of Vigie writes. A deferred BEGIN reads first and fails at once with
    // SQLITE_BUSY when it tries to write after another connection (the ingestion thread, a CLI)
    // committed; BEGIN IMMEDIATE takes the write lock up front, so busy_timeout waits instead.
    const source = requested === 'begin' ? 'begin immediate' : requested;
    let statement = cache.get(source);
    if (statement === undefined) {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
  return sqlite;
}

/** Bounds of the PostgreSQL pool: a few connections suffice for one server process. */
const PG_POOL_MAX = 10;

function openPostgres(connectionString: string): Kysely<Tables> {
  const pool = new pg.Pool({ connectionString, max: PG_POOL_MAX, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection emits 'error' on the pool, which would crash the process
  // if unheard. The pool already discards that client; the next query reports any lasting failure.
  pool.on('error', () => {});
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/** Apply every pending migration; throws MigrationError naming the one that failed. */
export async function migrateToLatest(db: Database, dialect: DialectName): Promise<void> {
  // Unordered: a lettered migration (0008b) added after later numbers shipped must still be
  // applied to a database that already ran those later ones, not refused as "corrupted".
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialect), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const dialect: DialectName = options.databaseUrl ? 'postgres' : 'sqlite';
  const db = options.databaseUrl ? openPostgres(options.databaseUrl) : openSqlite(options.dataDir);
  try {
    // One process at a time, across processes (./migration-lock.ts).
    await withMigrationLock(db, dialect, sqliteFileOf(db), () => migrateToLatest(db, dialect));
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
