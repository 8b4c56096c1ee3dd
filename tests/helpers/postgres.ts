// Test helper: a throwaway PostgreSQL 15 cluster (Debian's binaries) in a temp folder, on a free
// port, reachable over 127.0.0.1 only, with trust authentication. One cluster per test process;
// each test takes a fresh database from it with createDatabase().
//
//   const pg = await startPostgres();       // initdb + pg_ctl start + pg_isready (about 1.5 s)
//   const url = await pg.createDatabase();  // postgres://postgres@127.0.0.1:PORT/vigie_test_N
//   await pg.stop();                         // immediate stop, folder removed
//
// initdb refuses to run as root, so as root every PostgreSQL binary runs as the `postgres` user
// through `runuser -u postgres --` (the folder is chowned to it); as another user they run directly.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Debian's PostgreSQL 15 binaries (override with VIGIE_PG_BIN). */
export const PG_BIN = process.env.VIGIE_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const READY_ATTEMPTS = 100;
const READY_INTERVAL_MS = 100;

export interface PostgresCluster {
  port: number;
  /** A connection URL to database `name` on this cluster. */
  url(name: string): string;
  /** Create a fresh, empty database and return its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/** Run a PostgreSQL binary (as `postgres` when we are root); throws with its output on failure. */
function pgRun(binary: string, args: string[]): string {
  const command = asRoot ? 'runuser' : join(PG_BIN, binary);
  const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, binary), ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

export async function startPostgres(): Promise<PostgresCluster> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`PostgreSQL binaries not found in ${PG_BIN}: install the Debian package postgresql (15).`);
  }
  const root = mkdtempSync(join(tmpdir(), 'vigie-pg-'));
  // mkdtemp makes the folder 0700; the postgres user must be able to traverse it.
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const sockets = join(root, 'sockets');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(sockets, { mode: 0o755 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const dir of [root, data, sockets]) chownSync(dir, uid, gid);
  }

  pgRun('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  const port = await freePort();
  // Durability settings are off: the cluster is thrown away after the tests.
  const options = [
    `-p ${port}`,
    `-k ${sockets}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=50',
  ].join(' ');
  pgRun('pg_ctl', ['-D', data, '-l', join(root, 'postgres.log'), '-o', options, '-w', '-t', '30', 'start']);

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  // A crashed or interrupted test process must not leave a cluster running.
  process.once('exit', stopNow);

  let ready = false;
  for (let attempt = 0; attempt < READY_ATTEMPTS && !ready; attempt++) {
    const probe = spawnSync(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1'], { timeout: 5000 });
    ready = probe.status === 0;
    if (!ready) await new Promise((r) => setTimeout(r, READY_INTERVAL_MS));
  }
  if (!ready) {
    stopNow();
    throw new Error(`PostgreSQL on port ${port} did not become ready`);
  }

  const url = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  let databases = 0;
  return {
    port,
    url,
    async createDatabase() {
      databases += 1;
      const name = `vigie_test_${databases}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      process.off('exit', stopNow);
      stopNow();
    },
  };
}
