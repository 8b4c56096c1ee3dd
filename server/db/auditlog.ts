// Rows of the audit log and of its head. The chain logic (hashing, appending, verifying) is in
// ../auditlog/auditlog.ts; this file only reads and writes rows.
import { fromDbTime, toDbTime } from './columns.js';
import { keyset } from './keyset.js';
import type { Database } from './schema.js';

export interface AuditRow {
  seq: number;
  at: string;
  actor_type: string;
  actor_id: string;
  action: string;
  target: string | null;
  /** Canonical JSON text. */
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHead {
  last_seq: number;
  last_hash: string;
}

const HEAD_ID = 1;

/**
 * Take the chain's write lock: an UPDATE of the head row. On PostgreSQL it holds a row lock until
 * the transaction ends (like SELECT ... FOR UPDATE), so two replicas cannot append the same seq;
 * on SQLite it takes the database write lock at once (no read-then-upgrade race). Must run inside
 * a transaction.
 */
export async function lockAuditHead(trx: Database): Promise<void> {
  const result = await trx
    .updateTable('audit_log_head')
    .set((eb) => ({ last_seq: eb.ref('last_seq') }))
    .where('id', '=', HEAD_ID)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) throw new Error('audit_log_head row is missing (migration 0002 not applied?)');
}

export async function readAuditHead(db: Database): Promise<AuditHead> {
  const row = await db.selectFrom('audit_log_head').select(['last_seq', 'last_hash']).where('id', '=', HEAD_ID).executeTakeFirst();
  if (row === undefined) throw new Error('audit_log_head row is missing (migration 0002 not applied?)');
  return { last_seq: Number(row.last_seq), last_hash: row.last_hash };
}

export async function writeAuditHead(trx: Database, head: AuditHead): Promise<void> {
  await trx.updateTable('audit_log_head').set(head).where('id', '=', HEAD_ID).execute();
}

export async function insertAuditRow(trx: Database, row: AuditRow): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({ ...row, at: toDbTime(row.at) })
    .execute();
}

type StoredAuditRow = Omit<AuditRow, 'at'> & { at: string | Date };

function toAuditRow(row: StoredAuditRow): AuditRow {
  return { ...row, seq: Number(row.seq), at: fromDbTime(row.at) };
}

const columns = ['seq', 'at', 'actor_type', 'actor_id', 'action', 'target', 'details', 'prev_hash', 'hash'] as const;

/** Up to `limit` rows with seq > afterSeq, in seq order (verification pages through the log). */
export async function auditRowsAfter(db: Database, afterSeq: number, limit: number): Promise<AuditRow[]> {
  const rows = await db.selectFrom('audit_log').select(columns).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map(toAuditRow);
}

/** The seq of the row whose prev_hash is `hash` (the entry that follows it), if any. */
export async function seqFollowingHash(db: Database, hash: string): Promise<number | undefined> {
  const row = await db.selectFrom('audit_log').select('seq').where('prev_hash', '=', hash).orderBy('seq').executeTakeFirst();
  return row === undefined ? undefined : Number(row.seq);
}

export interface AuditQuery {
  limit: number;
  /** Only entries with seq < beforeSeq (paging backwards). */
  beforeSeq?: number | undefined;
  action?: string | undefined;
}

/** The journal newest first: seq is unique and only grows, so it is the whole key (and cursor). */
export const AUDIT_NEWEST_FIRST = keyset<{ seq: number }>([{ column: 'seq', direction: 'desc', kind: 'integer', of: (row) => row.seq }]);

/** The latest entries first. */
export async function latestAuditRows(db: Database, query: AuditQuery): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').select(columns);
  if (query.action !== undefined) q = q.where('action', '=', query.action);
  const rows = await AUDIT_NEWEST_FIRST.seek(q, query.beforeSeq === undefined ? null : [query.beforeSeq]).limit(query.limit).execute();
  return rows.map(toAuditRow);
}
