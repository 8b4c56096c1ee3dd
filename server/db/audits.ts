// Stored audits: one row per run (its report document as exact JSON text and its SHA-256) and one
// row per host with that host's compact per-rule results, read back for diffs and CSV exports.
import type { HostRole } from '../../policies/evidence.js';
import type { Severity, VerdictStatus } from '../../policies/verdict.js';
import { CompiledQuery } from 'kysely';
import { dialectOf, fromDbJson, fromDbTime, fromDbTimeOrNull, toDbJson, toDbTime, type DialectName } from './columns.js';
import type { Database } from './schema.js';
import { keysetPages } from './keyset.js';

export const AUDIT_TRIGGERS = ['schedule', 'catch-up', 'manual'] as const;
export type AuditTrigger = (typeof AUDIT_TRIGGERS)[number];

export const HOST_STATES = ['assessed', 'stale', 'never_reported'] as const;
export type HostState = (typeof HOST_STATES)[number];

/** One (host, rule) result as stored in audit_hosts.results. */
export interface AuditResult {
  rule_id: string;
  status: VerdictStatus;
  severity: Severity;
  waiver_id: string | null;
  /** Kept for fail and warn only (the report explains findings; passes need no words). */
  explanation: { fr: string; en: string } | null;
}

export interface AuditHostRow {
  host_id: string;
  hostname: string;
  site: string;
  role: HostRole;
  state: HostState;
  collected_at: string | null;
  results: AuditResult[];
}

/** Headline figures kept beside the report for listings. */
export interface AuditSummary {
  score: number | null;
  hosts: number;
  stale: number;
  never_reported: number;
  findings: number;
  critical: number;
  new_failures: number;
  fixed: number;
  /** Telemaintenance access findings (emergencies not countersigned in 24 h); absent before they existed. */
  access_findings?: number;
}

export interface AuditRecord {
  audit_id: string;
  trigger: AuditTrigger;
  scheduled_for: string | null;
  started_at: string;
  finished_at: string | null;
  previous_audit_id: string | null;
  host_count: number;
  summary: AuditSummary | null;
  report_sha256: string | null;
  notifications: unknown;
}

/** Rows per INSERT: 9 columns x 100 stays far below both dialects' parameter limits. */
const INSERT_CHUNK = 100;

type EncodedResult = [string, string, string, string | null, { fr: string; en: string } | null];

const encode = (results: readonly AuditResult[]): EncodedResult[] =>
  results.map((r) => [r.rule_id, r.status, r.severity, r.waiver_id, r.explanation]);

function decode(value: unknown): AuditResult[] {
  // Only encode() output is ever written.
  return (fromDbJson(value) as EncodedResult[]).map(([rule_id, status, severity, waiver_id, explanation]) => ({
    rule_id,
    status: status as AuditResult['status'],
    severity: severity as AuditResult['severity'],
    waiver_id,
    explanation,
  }));
}

export async function insertAuditStart(
  db: Database,
  audit: { audit_id: string; trigger: AuditTrigger; scheduled_for: Date | null; started_at: Date; previous_audit_id: string | null },
): Promise<void> {
  await db
    .insertInto('audits')
    .values({
      audit_id: audit.audit_id,
      trigger: audit.trigger,
      scheduled_for: audit.scheduled_for === null ? null : toDbTime(audit.scheduled_for),
      started_at: toDbTime(audit.started_at),
      finished_at: null,
      previous_audit_id: audit.previous_audit_id,
      host_count: 0,
      summary: null,
      report: null,
      report_sha256: null,
      notifications: null,
    })
    .execute();
}

/** An audit_hosts row ready to insert: its results and failing rule ids as JSON text. */
export interface EncodedAuditHost {
  host_id: string;
  hostname: string;
  site: string;
  role: string;
  state: HostState;
  collected_at: string | null;
  results: string;
  failing: string;
}

/** Encodes one judged host for insertAuditHosts (done per host, so its results can be dropped at once). */
export function encodeAuditHost(r: AuditHostRow): EncodedAuditHost {
  return {
    host_id: r.host_id,
    hostname: r.hostname,
    site: r.site,
    role: r.role,
    state: r.state,
    collected_at: r.collected_at === null ? null : toDbTime(r.collected_at),
    results: toDbJson(encode(r.results)),
    failing: JSON.stringify(r.results.filter((x) => x.status === 'fail' && x.waiver_id === null).map((x) => x.rule_id)),
  };
}

const AUDIT_HOST_COLUMNS = ['audit_id', 'host_id', 'hostname', 'site', 'role', 'state', 'collected_at', 'results', 'failing'] as const;
const insertTexts = new Map<string, string>();

/**
 * `insert into audit_hosts ... values (...), (...)` for `count` rows in the dialect's placeholder
 * style. Written out rather than built with the query builder: 100,000 rows x 9 values through
 * Kysely's builder and compiler cost more than SQLite's own insert; the texts are cached.
 */
function insertAuditHostsText(dialect: DialectName, count: number): string {
  const key = `${dialect}:${count}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const width = AUDIT_HOST_COLUMNS.length;
    const rows: string[] = [];
    for (let row = 0; row < count; row++) {
      const marks = AUDIT_HOST_COLUMNS.map((_, column) => (dialect === 'postgres' ? `$${row * width + column + 1}` : '?'));
      rows.push(`(${marks.join(', ')})`);
    }
    text = `insert into "audit_hosts" (${AUDIT_HOST_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${rows.join(', ')}`;
    insertTexts.set(key, text);
  }
  return text;
}

export async function insertAuditHosts(db: Database, auditId: string, rows: readonly EncodedAuditHost[]): Promise<void> {
  const dialect = dialectOf(db);
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK);
    const parameters: unknown[] = [];
    for (const r of chunk) parameters.push(auditId, r.host_id, r.hostname, r.site, r.role, r.state, r.collected_at, r.results, r.failing);
    await db.executeQuery(CompiledQuery.raw(insertAuditHostsText(dialect, chunk.length), parameters));
  }
}

export async function finishAudit(
  db: Database,
  auditId: string,
  done: { finished_at: Date; host_count: number; summary: AuditSummary; report: string; report_sha256: string },
): Promise<void> {
  await db
    .updateTable('audits')
    .set({
      finished_at: toDbTime(done.finished_at),
      host_count: done.host_count,
      summary: toDbJson(done.summary),
      report: done.report,
      report_sha256: done.report_sha256,
    })
    .where('audit_id', '=', auditId)
    .execute();
}

export async function setAuditNotifications(db: Database, auditId: string, notifications: unknown): Promise<void> {
  await db.updateTable('audits').set({ notifications: toDbJson(notifications) }).where('audit_id', '=', auditId).execute();
}

const recordColumns = [
  'audit_id',
  'trigger',
  'scheduled_for',
  'started_at',
  'finished_at',
  'previous_audit_id',
  'host_count',
  'summary',
  'report_sha256',
  'notifications',
] as const;

interface RecordRow {
  audit_id: string;
  trigger: string;
  scheduled_for: string | Date | null;
  started_at: string | Date;
  finished_at: string | Date | null;
  previous_audit_id: string | null;
  host_count: number | string;
  summary: unknown;
  report_sha256: string | null;
  notifications: unknown;
}

function toRecord(row: RecordRow): AuditRecord {
  return {
    audit_id: row.audit_id,
    trigger: row.trigger as AuditTrigger,
    scheduled_for: fromDbTimeOrNull(row.scheduled_for),
    started_at: fromDbTime(row.started_at),
    finished_at: fromDbTimeOrNull(row.finished_at),
    previous_audit_id: row.previous_audit_id,
    host_count: Number(row.host_count),
    summary: row.summary === null ? null : (fromDbJson(row.summary) as AuditSummary),
    report_sha256: row.report_sha256,
    notifications: row.notifications === null ? null : fromDbJson(row.notifications),
  };
}

/** The most recent finished audit, or undefined before the first one. */
export async function latestFinishedAudit(db: Database): Promise<AuditRecord | undefined> {
  const row = await db
    .selectFrom('audits')
    .select(recordColumns)
    .where('finished_at', 'is not', null)
    .orderBy('started_at', 'desc')
    .orderBy('audit_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Has a finished audit started at or after this schedule slot, or been run for it? */
export async function slotCovered(db: Database, slot: Date): Promise<boolean> {
  const at = toDbTime(slot);
  const row = await db
    .selectFrom('audits')
    .select('audit_id')
    .where('finished_at', 'is not', null)
    .where((eb) => eb.or([eb('started_at', '>=', at), eb('scheduled_for', '>=', at)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Finished audits, newest first. */
export async function listAudits(db: Database, options: { limit: number; offset: number }): Promise<AuditRecord[]> {
  const rows = await db
    .selectFrom('audits')
    .select(recordColumns)
    .where('finished_at', 'is not', null)
    .orderBy('started_at', 'desc')
    .orderBy('audit_id', 'desc')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
  return rows.map(toRecord);
}

export async function findAudit(db: Database, auditId: string): Promise<(AuditRecord & { report: string | null }) | undefined> {
  const row = await db
    .selectFrom('audits')
    .select([...recordColumns, 'report'])
    .where('audit_id', '=', auditId)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...toRecord(row), report: row.report };
}

interface HostRowDb {
  host_id: string;
  hostname: string;
  site: string;
  role: string;
  state: string;
  collected_at: string | Date | null;
  results: unknown;
}

const toHostRow = (r: HostRowDb): AuditHostRow => ({
  host_id: r.host_id,
  hostname: r.hostname,
  site: r.site,
  role: r.role as HostRole,
  state: r.state as HostState,
  collected_at: fromDbTimeOrNull(r.collected_at),
  results: decode(r.results),
});

const hostRowColumns = ['host_id', 'hostname', 'site', 'role', 'state', 'collected_at', 'results'] as const;

/** The audit's host rows in host_id order, `batchSize` at a time (keyset pagination: bounded memory). */
export async function* auditHostBatches(db: Database, auditId: string, batchSize = 1000): AsyncGenerator<AuditHostRow[]> {
  const pages = keysetPages(
    (after: string, limit) =>
      db.selectFrom('audit_hosts').select(hostRowColumns).where('audit_id', '=', auditId).where('host_id', '>', after).orderBy('host_id').limit(limit).execute(),
    (row) => row.host_id,
    { start: '', pageSize: batchSize },
  );
  for await (const rows of pages) yield rows.map(toHostRow);
}

/** An audit's host row without its results, with the rule ids the host failed without a waiver. */
export interface AuditHostFailing extends Omit<AuditHostRow, 'results'> {
  failing: Set<string>;
}

/**
 * The audit's host rows with host_id in (after, through] (`through` null: to the end), in host_id
 * order, `batchSize` at a time (keyset pagination: bounded memory). The next audit reads the
 * previous one over the same host_id ranges as its own hosts: prior failures and vanished hosts
 * in one pass, without results.
 */
export async function* auditHostFailingBatches(
  db: Database,
  auditId: string,
  after: string,
  through: string | null,
  batchSize = 5000,
): AsyncGenerator<AuditHostFailing[]> {
  const pages = keysetPages(
    (from: string, limit) => {
      let query = db
        .selectFrom('audit_hosts')
        .select(['host_id', 'hostname', 'site', 'role', 'state', 'collected_at', 'failing'])
        .where('audit_id', '=', auditId)
        .where('host_id', '>', from);
      if (through !== null) query = query.where('host_id', '<=', through);
      return query.orderBy('host_id').limit(limit).execute();
    },
    (row) => row.host_id,
    { start: after, pageSize: batchSize },
  );
  for await (const rows of pages) {
    yield rows.map((r) => ({
      host_id: r.host_id,
      hostname: r.hostname,
      site: r.site,
      role: r.role as HostRole,
      state: r.state as HostState,
      collected_at: fromDbTimeOrNull(r.collected_at),
      // Only insertAuditHosts writes this column, as a JSON array of rule ids.
      failing: new Set(JSON.parse(r.failing) as string[]),
    }));
  }
}

async function deleteAudits(db: Database, ids: readonly string[]): Promise<number> {
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('audit_hosts').where('audit_id', 'in', chunk).execute();
      await trx.deleteFrom('audits').where('audit_id', 'in', chunk).execute();
    });
  }
  return ids.length;
}

/** Remove audits left unfinished by a crashed run (call only while holding the audit lock). */
export async function deleteUnfinishedAudits(db: Database, exceptId: string): Promise<number> {
  const rows = await db.selectFrom('audits').select('audit_id').where('finished_at', 'is', null).where('audit_id', '!=', exceptId).execute();
  return deleteAudits(
    db,
    rows.map((r) => r.audit_id),
  );
}

/** Retention: delete audits started before `before`, never the most recent finished one. */
export async function deleteAuditsBefore(db: Database, before: Date, keepId: string | null): Promise<number> {
  let query = db.selectFrom('audits').select('audit_id').where('started_at', '<', toDbTime(before));
  if (keepId !== null) query = query.where('audit_id', '!=', keepId);
  const rows = await query.limit(10_000).execute();
  return deleteAudits(
    db,
    rows.map((r) => r.audit_id),
  );
}

/** An enrolled, unrevoked host with the body of its current report (null: never reported or pruned). */
export interface HostEvidence {
  host_id: string;
  hostname: string;
  /** The name it enrolled with (what `hosts:` allowlist entries match); absent: match by host_id only. */
  enrolled_hostname?: string;
  site: string;
  role: HostRole;
  current_report_id: string | null;
  body: unknown;
}

/** A HostEvidence whose body is still as the database returned it (see evidenceBody). */
export interface StoredHostEvidence extends Omit<HostEvidence, 'body'> {
  stored_body: unknown;
}

/** The parsed body of a StoredHostEvidence (null: never reported or pruned). */
export function evidenceBody(host: StoredHostEvidence): unknown {
  return host.stored_body === null || host.stored_body === undefined ? null : fromDbJson(host.stored_body);
}

/** Every unrevoked host with its current report body, in host_id order, `batchSize` at a time. */
export async function* hostEvidenceBatches(db: Database, batchSize = 500): AsyncGenerator<HostEvidence[]> {
  for await (const batch of storedHostEvidenceBatches(db, batchSize)) {
    yield batch.map((h) => ({
      host_id: h.host_id,
      hostname: h.hostname,
      ...(h.enrolled_hostname === undefined ? {} : { enrolled_hostname: h.enrolled_hostname }),
      site: h.site,
      role: h.role,
      current_report_id: h.current_report_id,
      body: evidenceBody(h),
    }));
  }
}

/**
 * hostEvidenceBatches without parsing the bodies: the audit parses each one just before judging
 * its host, so a parsed report is garbage as soon as it is judged rather than living as long as
 * its batch (young-generation garbage is nearly free to collect; a batch of parsed reports is not).
 */
export async function* storedHostEvidenceBatches(db: Database, batchSize = 500): AsyncGenerator<StoredHostEvidence[]> {
  const pages = keysetPages(
    (after: string, limit) =>
      db
        .selectFrom('hosts')
        .leftJoin('reports', 'reports.report_id', 'hosts.current_report_id')
        .select(['hosts.host_id', 'hosts.hostname', 'hosts.enrolled_hostname', 'hosts.site', 'hosts.role', 'hosts.current_report_id', 'reports.body'])
        .where('hosts.revoked_at', 'is', null)
        .where('hosts.host_id', '>', after)
        .orderBy('hosts.host_id')
        .limit(limit)
        .execute(),
    (row) => row.host_id,
    { start: '', pageSize: batchSize },
  );
  for await (const rows of pages) {
    yield rows.map((r) => ({
      host_id: r.host_id,
      hostname: r.hostname,
      enrolled_hostname: r.enrolled_hostname ?? r.hostname,
      site: r.site,
      // Only HOST_ROLES values are ever written (enrollment validates them).
      role: r.role as HostRole,
      current_report_id: r.current_report_id,
      stored_body: r.body,
    }));
  }
}

/** How many unrevoked hosts are enrolled (catch-up skips an empty fleet). */
export async function countActiveHosts(db: Database): Promise<number> {
  const row = await db
    .selectFrom('hosts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
