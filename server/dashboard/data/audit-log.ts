// The audit log as the dashboard lists it: filters that compose (action prefix, actor, target
// prefix, Paris day range), newest first, keyset-paged on seq (AUDIT_NEWEST_FIRST, never OFFSET), and the same query
// walked for exports. The chain logic itself (hashing, verification) stays in server/auditlog/auditlog.ts.
import { sql, type SqlBool, type Expression } from 'kysely';
import { AUDIT_NEWEST_FIRST } from '../../db/auditlog.js';
import { toDbTime } from '../../db/columns.js';
import { CursorError, keysetPage, keysetPages, type KeysetKey } from '../../db/keyset.js';
import { auditRowsToEntries } from './audit-entries.js';
import type { AuditEntry } from '../../auditlog/auditlog.js';
import type { Database } from '../../db/schema.js';
import { parisMidnight, parisNextMidnight } from './paris-day.js';

export const AUDIT_PAGE_SIZE = 50;
const ACTION_PREFIX = /^[a-z][a-z0-9_.]{0,80}$/;

export interface AuditLogFilter {
  /** Entries whose action starts with this ("user." or "waiver.created"). */
  action?: string | undefined;
  /** Exact actor id (a username, a host id, "vigie-cli"...). */
  actor?: string | undefined;
  /** Entries whose target starts with this ("user:alice", "host:"). */
  target?: string | undefined;
  /** Paris calendar days, inclusive. */
  from?: string | undefined;
  to?: string | undefined;
}

const FIELDS = ['action', 'actor', 'target', 'from', 'to'] as const;

/** A filter from a query string: malformed values are dropped (the page says which were kept). */
export function auditFilterOf(query: Record<string, string | undefined>): AuditLogFilter {
  const clean = (v: string | undefined, max: number) => (v === undefined || v.trim() === '' || v.length > max ? undefined : v.trim());
  const action = clean(query.action, 81);
  const from = clean(query.from, 10);
  const to = clean(query.to, 10);
  return {
    action: action !== undefined && ACTION_PREFIX.test(action) ? action : undefined,
    actor: clean(query.actor, 200),
    target: clean(query.target, 500),
    from: from !== undefined && parisMidnight(from) !== null ? from : undefined,
    to: to !== undefined && parisMidnight(to) !== null ? to : undefined,
  };
}

export function auditFilterQuery(filter: AuditLogFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of FIELDS) {
    const value = filter[key];
    if (value !== undefined) params.set(key, value);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** LIKE pattern for "starts with", with the wildcards of the value escaped. */
function startsWith(value: string): string {
  return `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function conditions(filter: AuditLogFilter): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [];
  if (filter.action !== undefined) where.push(sql<SqlBool>`action like ${startsWith(filter.action)} escape '\\'`);
  if (filter.actor !== undefined) where.push(sql<SqlBool>`actor_id = ${filter.actor}`);
  if (filter.target !== undefined) where.push(sql<SqlBool>`target like ${startsWith(filter.target)} escape '\\'`);
  const from = filter.from === undefined ? null : parisMidnight(filter.from);
  const to = filter.to === undefined ? null : parisNextMidnight(filter.to);
  if (from !== null) where.push(sql<SqlBool>`at >= ${toDbTime(from)}`);
  if (to !== null) where.push(sql<SqlBool>`at < ${toDbTime(to)}`);
  return where;
}

/** The `before` of a page link: the seq to continue before; null (the newest) when absent or malformed. */
export function parseBefore(value: string | undefined): number | null {
  if (value === undefined) return null;
  try {
    return Number(AUDIT_NEWEST_FIRST.decode(value)[0]);
  } catch (error) {
    if (error instanceof CursorError) return null;
    throw error;
  }
}

/** Up to `limit` entries after `after` in AUDIT_NEWEST_FIRST order (null: from the newest). */
async function entriesAfter(db: Database, filter: AuditLogFilter, after: KeysetKey | null, limit: number): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').select(['seq', 'at', 'actor_type', 'actor_id', 'action', 'target', 'details', 'prev_hash', 'hash']);
  for (const condition of conditions(filter)) query = query.where(condition);
  return auditRowsToEntries(await AUDIT_NEWEST_FIRST.seek(query, after).limit(limit).execute());
}

/** One page, newest first, and the seq to continue before (null on the last page). */
export async function auditLogPage(db: Database, filter: AuditLogFilter, before: number | null, size = AUDIT_PAGE_SIZE): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const page = await keysetPage((after: KeysetKey | null, limit) => entriesAfter(db, filter, after, limit), AUDIT_NEWEST_FIRST.keyOf, {
    after: before === null ? null : [before],
    limit: size,
  });
  return { entries: page.rows, next: page.next === null ? null : Number(page.next[0]) };
}

/** Every entry of the filter, newest first, a batch at a time (exports). */
export async function* allAuditEntries(db: Database, filter: AuditLogFilter, batch = 1000): AsyncGenerator<AuditEntry[]> {
  yield* keysetPages((after: KeysetKey | null, limit) => entriesAfter(db, filter, after, limit), AUDIT_NEWEST_FIRST.keyOf, { start: null, pageSize: batch });
}

export async function countAuditEntries(db: Database, filter: AuditLogFilter): Promise<number> {
  let query = db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number | string>().as('n'));
  for (const condition of conditions(filter)) query = query.where(condition);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
