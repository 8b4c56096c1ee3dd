// Migrations are serialised across processes: several real `vigie` processes started at once on
// a new database (SQLite data folder, or an empty PostgreSQL database) all succeed, and each
// migration is applied once. Before the lock, concurrent commands on a new SQLite folder failed
// (7 of 12 in the review): Kysely's migrator takes no lock across processes on SQLite, and creates
// its bookkeeping rows before its lock on PostgreSQL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openDatabase, SQLITE_FILE_NAME } from '../../../server/db/database.js';
import { migrationLockFile } from '../../../server/db/migration-lock.js';
import { migrationsFor } from '../../../server/db/migrations/index.js';
import { childEnv } from '../../helpers/child-env.js';
import { startPostgres, type PostgresCluster } from '../../helpers/postgres.js';
import { DB_KINDS } from '../fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/vigie.mjs', import.meta.url));
const PROCESSES = 3;
/** A bound on each process (they share two cores with the rest of the suite). */
const PROCESS_BOUND_MS = 540_000;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_BOUND_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, err });
    });
  });
}

let cluster: PostgresCluster | undefined;
t.teardown(async () => cluster?.stop());

for (const kind of DB_KINDS) {
  t.test(`${PROCESSES} processes at once on a new database migrate it once (${kind})`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigie-migration-lock-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const databaseUrl = kind === 'postgres' ? await (cluster ??= await startPostgres()).createDatabase() : null;
    const env: NodeJS.ProcessEnv = databaseUrl === null ? { DATABASE_URL: '' } : { DATABASE_URL: databaseUrl };

    const results = await Promise.all(Array.from({ length: PROCESSES }, () => run(['auditlog', 'verify', '--data-dir', dataDir], env)));
    results.forEach((r, i) => t.equal(r.code, 0, `process ${i + 1} succeeded${r.code === 0 ? '' : `: ${r.err.slice(0, 500)}`}`));

    const db = await openDatabase({ dataDir, databaseUrl });
    t.teardown(() => db.destroy());
    const applied = (await db.selectFrom('kysely_migration' as never).select('name' as never).execute()) as { name: string }[];
    t.same(applied.map((r) => r.name).sort(), Object.keys(migrationsFor(kind)).sort(), 'each migration applied once');
    if (kind === 'sqlite') t.equal(statSync(migrationLockFile(join(dataDir, SQLITE_FILE_NAME))).mode & 0o777, 0o600, 'the lock file is owner-only');
  });
}
