// The hosts list: composable filters (every one a GET parameter), keyset paging on
// (site, hostname, host_id) — never OFFSET — and the same query streamed for exports.
import { sql, type Expression, type SqlBool } from 'kysely';
import { HOST_ROLES } from '../../../policies/evidence.js';
import { VERDICT_STATUSES, type VerdictStatus } from '../../../policies/verdict.js';
import { dialectOf, fromDbJson, fromDbTimeOrNull, toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';
import { SEEN_BUCKETS, seenBounds, type SeenBucket } from './overview.js';

export const PAGE_SIZE = 50;
export const RULE_ID_PATTERN = /^[A-Z]{2,8}-[0-9]{2,3}$/;
/** Any-rule verdict filters: hosts whose current verdicts count at least one of this status. */
export const ANY_STATUSES = ['fail', 'warn', 'unknown'] as const;

export interface HostFilter {
  site?: string | undefined;
  role?: string | undefined;
  /** With `status`: hosts whose current verdict on this rule has that status. */
  rule?: string | undefined;
  status?: VerdictStatus | undefined;
  /** Without `rule`: hosts with at least one verdict of this status. */
  any?: (typeof ANY_STATUSES)[number] | undefined;
  platform?: string | undefined;
  seen?: SeenBucket | undefined;
  /** Hostname prefix. */
  q?: string | undefined;
  revoked?: boolean | undefined;
}

/** The query-string form of a filter (stable key order, empty fields left out). */
export function filterQuery(filter: HostFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of ['site', 'role', 'rule', 'status', 'any', 'platform', 'seen', 'q'] as const) {
    const value = filter[key];
    if (value !== undefined && value !== '') params.set(key, value);
  }
  if (filter.revoked === true) params.set('revoked', '1');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function isEmptyFilter(filter: HostFilter): boolean {
  return filterQuery(filter) === '';
}

export interface HostCursor {
  site: string;
  hostname: string;
  host_id: string;
}

export function encodeCursor(c: HostCursor): string {
  return Buffer.from(JSON.stringify([c.site, c.hostname, c.host_id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined): HostCursor | null {
  if (text === undefined || text.length > 2000) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      const [site, hostname, host_id] = value as [string, string, string];
      return { site, hostname, host_id };
    }
  } catch {
    // fall through: a damaged cursor starts from the first page
  }
  return null;
}

export interface HostRow {
  host_id: string;
  hostname: string;
  site: string;
  role: string;
  platform: string;
  distro: string;
  agent_version: string;
  last_seen_at: string | null;
  collected_at: string | null;
  revoked: boolean;
  counts: Record<VerdictStatus, number> | null;
  /** The filtered rule's status, when the filter names a rule. */
  rule_status: VerdictStatus | null;
}

function ruleStatusExpr(db: Database, rule: string) {
  return dialectOf(db) === 'postgres' ? sql<string | null>`(r.statuses -> ${rule} ->> 0)` : sql<string | null>`json_extract(r.statuses, ${`$."${rule}"[0]`})`;
}

/** Whether the filter reads the current report's verdicts (the join to reports is needed). */
function needsVerdicts(filter: HostFilter): boolean {
  return filter.any !== undefined || filter.rule !== undefined;
}

/** The filter as WHERE terms on hosts `h` and, for verdict filters, their current report `r`. */
function filterTerms(db: Database, filter: HostFilter, now: Date): Expression<SqlBool>[] {
  const terms: Expression<SqlBool>[] = [];
  if (filter.revoked !== true) terms.push(sql<SqlBool>`h.revoked_at is null`);
  if (filter.site !== undefined) terms.push(sql<SqlBool>`h.site = ${filter.site}`);
  if (filter.role !== undefined) terms.push(sql<SqlBool>`h.role = ${filter.role}`);
  if (filter.q !== undefined && filter.q !== '') {
    // Prefix match on the hostname, with LIKE's wildcards taken literally.
    const escaped = filter.q.replace(/[\\%_]/g, (c) => `\\${c}`);
    terms.push(sql<SqlBool>`h.hostname like ${`${escaped}%`} escape '\\'`);
  }
  if (filter.platform !== undefined) {
    terms.push(dialectOf(db) === 'postgres' ? sql<SqlBool>`(h.os ->> 'platform') = ${filter.platform}` : sql<SqlBool>`json_extract(h.os, '$.platform') = ${filter.platform}`);
  }
  if (filter.seen !== undefined) {
    if (filter.seen === 'never') terms.push(sql<SqlBool>`h.last_seen_at is null`);
    else {
      const { after, before } = seenBounds(filter.seen, now);
      if (after !== null) terms.push(sql<SqlBool>`h.last_seen_at >= ${toDbTime(after)}`);
      if (before !== null) terms.push(sql<SqlBool>`h.last_seen_at < ${toDbTime(before)}`);
    }
  }
  if (filter.any !== undefined) terms.push(sql<SqlBool>`${sql.ref(`r.${filter.any}`)} > 0`);
  if (filter.rule !== undefined) {
    const expr = ruleStatusExpr(db, filter.rule);
    terms.push(filter.status !== undefined ? sql<SqlBool>`${expr} = ${filter.status}` : sql<SqlBool>`${expr} is not null`);
  }
  return terms;
}

/** The filter's terms joined with AND (a true condition for an empty filter). */
function filterCondition(db: Database, filter: HostFilter, now: Date): Expression<SqlBool> {
  const terms = filterTerms(db, filter, now);
  return terms.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(terms, sql` and `)}`;
}

function baseQuery(db: Database, filter: HostFilter, now: Date) {
  let q = db
    .selectFrom('hosts as h')
    .leftJoin('reports as r', 'r.report_id', 'h.current_report_id')
    .select([
      'h.host_id',
      'h.hostname',
      'h.site',
      'h.role',
      'h.os',
      'h.agent_version',
      'h.last_seen_at',
      'h.current_collected_at',
      'h.revoked_at',
      'r.pass',
      'r.warn',
      'r.fail',
      'r.unknown',
      'r.not_applicable',
    ]);
  if (filter.rule !== undefined) q = q.select(ruleStatusExpr(db, filter.rule).as('rule_status') as never);
  return q.where(filterCondition(db, filter, now));
}

interface RawRow {
  host_id: string;
  hostname: string;
  site: string;
  role: string;
  os: unknown;
  agent_version: string;
  last_seen_at: string | Date | null;
  current_collected_at: string | Date | null;
  revoked_at: string | Date | null;
  pass: number | null;
  warn: number | null;
  fail: number | null;
  unknown: number | null;
  not_applicable: number | null;
  rule_status?: string | null;
}

function toRow(r: RawRow): HostRow {
  const os = (fromDbJson(r.os) ?? {}) as { platform?: string; distro?: string };
  return {
    host_id: r.host_id,
    hostname: r.hostname,
    site: r.site,
    role: r.role,
    platform: os.platform ?? '',
    distro: os.distro ?? '',
    agent_version: r.agent_version,
    last_seen_at: fromDbTimeOrNull(r.last_seen_at),
    collected_at: fromDbTimeOrNull(r.current_collected_at),
    revoked: r.revoked_at !== null,
    counts:
      r.pass === null
        ? null
        : { pass: Number(r.pass), warn: Number(r.warn), fail: Number(r.fail), unknown: Number(r.unknown), not_applicable: Number(r.not_applicable) },
    rule_status: (r.rule_status ?? null) as VerdictStatus | null,
  };
}

/** One page of hosts after `cursor` (null: the first page); `next` is set when more follow. */
export async function hostsPage(db: Database, filter: HostFilter, cursor: HostCursor | null, now: Date, size = PAGE_SIZE): Promise<{ rows: HostRow[]; next: HostCursor | null }> {
  let q = baseQuery(db, filter, now);
  if (cursor !== null) q = q.where(sql<SqlBool>`(h.site, h.hostname, h.host_id) > (${cursor.site}, ${cursor.hostname}, ${cursor.host_id})`);
  const raw = (await q.orderBy('h.site').orderBy('h.hostname').orderBy('h.host_id').limit(size + 1).execute()) as RawRow[];
  const rows = raw.slice(0, size).map(toRow);
  const last = rows[rows.length - 1];
  return { rows, next: raw.length > size && last !== undefined ? { site: last.site, hostname: last.hostname, host_id: last.host_id } : null };
}

/** Every host of the filter, page by page (exports and bulk actions): bounded memory. */
export async function* allHosts(db: Database, filter: HostFilter, now: Date, batch = 1000): AsyncGenerator<HostRow[]> {
  let cursor: HostCursor | null = null;
  for (;;) {
    const page = await hostsPage(db, filter, cursor, now, batch);
    if (page.rows.length > 0) yield page.rows;
    if (page.next === null) return;
    cursor = page.next;
  }
}

/** How many hosts the filter selects (joined to reports only when a verdict is filtered on). */
export async function countHosts(db: Database, filter: HostFilter, now: Date): Promise<number> {
  const condition = filterCondition(db, filter, now);
  const n = sql<number | string>`count(*)`.as('n');
  const row = needsVerdicts(filter)
    ? await db.selectFrom('hosts as h').leftJoin('reports as r', 'r.report_id', 'h.current_report_id').where(condition).select(n).executeTakeFirstOrThrow()
    : await db.selectFrom('hosts as h').where(condition).select(n).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Past this many matching hosts the hosts page says "more than" and stops counting: a count reads
 * every match (with its current report when a verdict is filtered), which at 100,000 hosts took
 * longer than the page itself. The exact count is one click away (`count=all`).
 */
export const HOST_COUNT_CAP = 1000;

export interface HostCount {
  n: number;
  /** More hosts match than `n` (the count stopped at the cap). */
  more: boolean;
}

/** How many hosts the filter selects, counting no further than `cap`. */
export async function countHostsUpTo(db: Database, filter: HostFilter, now: Date, cap: number): Promise<HostCount> {
  const condition = filterCondition(db, filter, now);
  const one = sql<number>`1`.as('one');
  const matches = needsVerdicts(filter)
    ? db.selectFrom('hosts as h').leftJoin('reports as r', 'r.report_id', 'h.current_report_id').where(condition).select(one)
    : db.selectFrom('hosts as h').where(condition).select(one);
  const row = await db
    .selectFrom(matches.limit(cap + 1).as('m'))
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > cap ? { n: cap, more: true } : { n, more: false };
}

/** Parse and check the GET parameters of a filter; unknown values are refused by the schema. */
export function hostFilterOf(query: Record<string, string | undefined>): HostFilter {
  const pick = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined => (value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined);
  const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const rule = nonEmpty(query.rule);
  return {
    site: nonEmpty(query.site),
    role: pick(nonEmpty(query.role), HOST_ROLES),
    rule: rule !== undefined && RULE_ID_PATTERN.test(rule) ? rule : undefined,
    status: pick(nonEmpty(query.status), VERDICT_STATUSES),
    any: pick(nonEmpty(query.any), ANY_STATUSES),
    platform: nonEmpty(query.platform),
    seen: pick(nonEmpty(query.seen), SEEN_BUCKETS),
    q: nonEmpty(query.q),
    revoked: query.revoked === '1',
  };
}

/** The sites known (for the filter's choices). */
export async function siteNames(db: Database): Promise<string[]> {
  return (await db.selectFrom('sites').select('site').orderBy('site').execute()).map((r) => r.site);
}
