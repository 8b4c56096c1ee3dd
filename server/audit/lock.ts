// Run a job at most once at a time across server replicas sharing one database.
// PostgreSQL: a session advisory lock held on one pooled connection for the job's duration
// (released by the server if the process dies, since the connection closes).
// SQLite: a row in job_locks with a lease; a crashed holder's lease expires, and a long job
// renews its lease while it runs.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { dialectOf, fromDbTime, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';

export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/** A stable 63-bit key per job name for pg_try_advisory_lock (bigint). */
export function advisoryKey(name: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`vigie:${name}`, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash & 0x7fffffffffffffffn;
}

/** Who holds a lease: enough to find the process in logs. */
export function lockHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface JobLockOptions {
  /** How long a SQLite lease lasts without renewal (ms). */
  leaseMs: number;
  /** The clock used for leases. */
  now: () => Date;
}

async function withAdvisoryLock<T>(db: Database, name: string, job: () => Promise<T>): Promise<LockOutcome<T>> {
  const key = advisoryKey(name).toString();
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${key}::bigint) as locked`.execute(conn);
    if (rows[0]?.locked !== true) return { acquired: false };
    try {
      return { acquired: true, value: await job() };
    } finally {
      await sql`select pg_advisory_unlock(${key}::bigint)`.execute(conn);
    }
  });
}

/** Take the lease if free or expired; true when this holder has it. */
export async function acquireLease(db: Database, name: string, holder: string, now: Date, leaseMs: number): Promise<boolean> {
  const until = toDbTime(new Date(now.getTime() + leaseMs));
  await db
    .insertInto('job_locks')
    .values({ name, holder, lease_until: until })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  await db
    .updateTable('job_locks')
    .set({ holder, lease_until: until })
    .where('name', '=', name)
    .where('lease_until', '<', toDbTime(now))
    .execute();
  const row = await db.selectFrom('job_locks').select(['holder', 'lease_until']).where('name', '=', name).executeTakeFirst();
  return row !== undefined && row.holder === holder && fromDbTime(row.lease_until) === until;
}

async function renewLease(db: Database, name: string, holder: string, now: Date, leaseMs: number): Promise<void> {
  await db
    .updateTable('job_locks')
    .set({ lease_until: toDbTime(new Date(now.getTime() + leaseMs)) })
    .where('name', '=', name)
    .where('holder', '=', holder)
    .execute();
}

export async function releaseLease(db: Database, name: string, holder: string): Promise<void> {
  await db.deleteFrom('job_locks').where('name', '=', name).where('holder', '=', holder).execute();
}

async function withLeaseLock<T>(db: Database, name: string, job: () => Promise<T>, options: JobLockOptions): Promise<LockOutcome<T>> {
  const holder = lockHolder();
  if (!(await acquireLease(db, name, holder, options.now(), options.leaseMs))) return { acquired: false };
  // Renew at a third of the lease so a long run never loses it; a crash lets it lapse.
  const renewal = setInterval(() => {
    renewLease(db, name, holder, options.now(), options.leaseMs).catch(() => {});
  }, Math.max(1000, Math.floor(options.leaseMs / 3)));
  renewal.unref();
  try {
    return { acquired: true, value: await job() };
  } finally {
    clearInterval(renewal);
    await releaseLease(db, name, holder);
  }
}

/** Run `job` if no other process (or call) holds the lock `name`; otherwise do nothing. */
export async function withJobLock<T>(db: Database, name: string, job: () => Promise<T>, options: JobLockOptions): Promise<LockOutcome<T>> {
  return dialectOf(db) === 'postgres' ? withAdvisoryLock(db, name, job) : withLeaseLock(db, name, job, options);
}
