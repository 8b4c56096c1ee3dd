// Sites and hosts: who is enrolled, where, in which role, and whether it may still report.
import type { HostIdentity, HostRole } from '../../policies/evidence.js';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../policies/rules/time.js';
import { fromDbJson, fromDbTime, fromDbTimeOrNull, toDbJson, toDbTime } from './columns.js';
import { PreparedQuery } from './prepared-query.js';
import type { Database } from './schema.js';

export type HostOs = HostIdentity['os'];

export interface HostRecord {
  host_id: string;
  /** The name in the host's latest report (the agent's own view; it may change). */
  hostname: string;
  /** The name it enrolled with: what `hosts:` allowlist entries match. */
  enrolled_hostname: string;
  os: HostOs;
  role: HostRole;
  site: string;
  agent_version: string;
  enrolled_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
  current_report_id: string | null;
  current_collected_at: string | null;
}

export interface NewHost {
  host_id: string;
  hostname: string;
  os: HostOs;
  role: HostRole;
  site: string;
  agent_version: string;
  credential_hash: string;
  enrolled_at: Date;
}

/** Create the site if it does not exist yet (sites appear when the first token names them). */
export async function ensureSite(db: Database, site: string, now: Date): Promise<void> {
  await db
    .insertInto('sites')
    .values({ site, created_at: toDbTime(now) })
    .onConflict((oc) => oc.column('site').doNothing())
    .execute();
}

/** Whether `site` is known (an enrollment token named it). */
export async function siteExists(db: Database, site: string): Promise<boolean> {
  return (await db.selectFrom('sites').select('site').where('site', '=', site).executeTakeFirst()) !== undefined;
}

export async function insertHost(db: Database, host: NewHost): Promise<void> {
  await db
    .insertInto('hosts')
    .values({
      host_id: host.host_id,
      hostname: host.hostname,
      os: toDbJson(host.os),
      role: host.role,
      site: host.site,
      agent_version: host.agent_version,
      enrolled_at: toDbTime(host.enrolled_at),
      last_seen_at: null,
      revoked_at: null,
      credential_hash: host.credential_hash,
      current_report_id: null,
      current_collected_at: null,
      enrolled_hostname: host.hostname,
    })
    .execute();
}

const hostColumns = [
  'host_id',
  'hostname',
  'os',
  'role',
  'site',
  'agent_version',
  'enrolled_at',
  'last_seen_at',
  'revoked_at',
  'current_report_id',
  'current_collected_at',
  'enrolled_hostname',
] as const;

interface HostRow {
  host_id: string;
  hostname: string;
  os: unknown;
  role: string;
  site: string;
  agent_version: string;
  enrolled_at: string | Date;
  last_seen_at: string | Date | null;
  revoked_at: string | Date | null;
  current_report_id: string | null;
  current_collected_at: string | Date | null;
  enrolled_hostname: string | null;
}

function toHostRecord(row: HostRow): HostRecord {
  return {
    host_id: row.host_id,
    hostname: row.hostname,
    os: fromDbJson(row.os) as HostOs,
    // Only HOST_ROLES values are ever written (enrollment tokens are validated on creation).
    role: row.role as HostRole,
    site: row.site,
    agent_version: row.agent_version,
    enrolled_at: fromDbTime(row.enrolled_at),
    last_seen_at: fromDbTimeOrNull(row.last_seen_at),
    revoked_at: fromDbTimeOrNull(row.revoked_at),
    current_report_id: row.current_report_id,
    current_collected_at: fromDbTimeOrNull(row.current_collected_at),
    enrolled_hostname: row.enrolled_hostname ?? row.hostname,
  };
}

export async function findHost(db: Database, hostId: string): Promise<HostRecord | undefined> {
  const row = await db.selectFrom('hosts').select(hostColumns).where('host_id', '=', hostId).executeTakeFirst();
  return row === undefined ? undefined : toHostRecord(row);
}

/** The host and its stored credential digest (for authentication only). */
export async function findHostWithCredential(
  db: Database,
  hostId: string,
): Promise<{ host: HostRecord; credential_hash: string } | undefined> {
  const row = await db
    .selectFrom('hosts')
    .select([...hostColumns, 'credential_hash'])
    .where('host_id', '=', hostId)
    .executeTakeFirst();
  return row === undefined ? undefined : { host: toHostRecord(row), credential_hash: row.credential_hash };
}

export interface ListHostsOptions {
  limit: number;
  offset: number;
  site?: string | undefined;
}

export async function listHosts(db: Database, options: ListHostsOptions): Promise<HostRecord[]> {
  let query = db.selectFrom('hosts').select(hostColumns);
  if (options.site !== undefined) query = query.where('site', '=', options.site);
  const rows = await query.orderBy('site').orderBy('hostname').orderBy('host_id').limit(options.limit).offset(options.offset).execute();
  return rows.map(toHostRecord);
}

/** Revoke a host's credential; its later reports are refused. Returns false if unknown or already revoked. */
export async function revokeHost(db: Database, hostId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('hosts')
    .set({ revoked_at: toDbTime(now) })
    .where('host_id', '=', hostId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** What a stored report says of its host, in database form (times ISO-8601 UTC, os as JSON text). */
export interface SeenReport {
  host_id: string;
  report_id: string;
  collected_at: string;
  seen_at: string;
  hostname: string;
  os: string;
  agent_version: string;
  /**
   * A current report collected after this time (the clock tolerance past seen_at) is from the
   * future: any report received replaces it (stored before such reports were refused).
   */
  future_after: string;
}

/** The database form of what `report`, stored as `row`, says of its host. */
export function seenReport(
  report: { agent_version: string; host: { hostname: string; os: HostOs } },
  row: { host_id: string; report_id: string; collected_at: string; received_at: string },
): SeenReport {
  return {
    host_id: row.host_id,
    report_id: row.report_id,
    collected_at: row.collected_at,
    seen_at: row.received_at,
    hostname: report.host.hostname,
    os: toDbJson(report.host.os),
    agent_version: report.agent_version,
    future_after: futureAfter(row.received_at),
  };
}

/** The latest collection time a report received at `seenAt` (database form) may have. */
export function futureAfter(seenAt: string): string {
  return toDbTime(new Date(Date.parse(seenAt) + CLOCK_SKEW_TOLERANCE_MS));
}

// One statement, compiled once: it runs for every report. The current_* columns change only
// when the report is newer than the current one.
export const RECORD_REPORT_SEEN = new PreparedQuery<SeenReport, never>(
  ['host_id', 'report_id', 'collected_at', 'seen_at', 'hostname', 'os', 'agent_version', 'future_after'],
  (db, seen) =>
    db
      .updateTable('hosts')
      .set((eb) => {
        const newer = eb.or([
          eb('current_collected_at', 'is', null),
          eb('current_collected_at', '<=', seen.collected_at),
          eb('current_collected_at', '>', seen.future_after),
        ]);
        return {
          last_seen_at: seen.seen_at,
          hostname: seen.hostname,
          os: seen.os,
          agent_version: seen.agent_version,
          current_report_id: eb.case().when(newer).then(seen.report_id).else(eb.ref('current_report_id')).end(),
          current_collected_at: eb.case().when(newer).then(seen.collected_at).else(eb.ref('current_collected_at')).end().$castTo<string | null>(),
        };
      })
      .where('host_id', '=', seen.host_id),
);

/**
 * Record that a report was stored: last_seen_at moves forward, the hostname/OS/agent version follow
 * what the agent observed, and the report becomes current unless a later-collected one already is
 * (an outbox may deliver an old report after a newer one) and is not dated in the future.
 */
export async function recordReportSeen(db: Database, seen: SeenReport): Promise<void> {
  await RECORD_REPORT_SEEN.run(db, seen);
}

/** What ingestion checks again, in the transaction that stores a report, of the host sending it. */
export interface EnrolledAgent {
  host_id: string;
  role: HostRole;
  site: string;
  credential_hash: string;
  revoked: boolean;
}

export interface EnrolledAgentRow {
  role: string;
  site: string;
  credential_hash: string;
  revoked_at: unknown;
}

export const FIND_ENROLLED_AGENT = new PreparedQuery<{ host_id: string }, EnrolledAgentRow>(['host_id'], (db, { host_id }) =>
  db.selectFrom('hosts').select(['role', 'site', 'credential_hash', 'revoked_at']).where('host_id', '=', host_id),
);

/** The EnrolledAgent of FIND_ENROLLED_AGENT's row for `hostId`, if any. */
export function toEnrolledAgent(hostId: string, row: EnrolledAgentRow | undefined): EnrolledAgent | undefined {
  if (row === undefined) return undefined;
  // Only HOST_ROLES values are ever written (enrollment tokens are validated on creation).
  return { host_id: hostId, role: row.role as HostRole, site: row.site, credential_hash: row.credential_hash, revoked: row.revoked_at !== null };
}

export async function findEnrolledAgent(db: Database, hostId: string): Promise<EnrolledAgent | undefined> {
  const { rows } = await FIND_ENROLLED_AGENT.run(db, { host_id: hostId });
  return toEnrolledAgent(hostId, rows[0]);
}
