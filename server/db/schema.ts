// Row types of every table, as Kysely sees them. Timestamps and JSON columns differ by dialect
// (SQLite: ISO text / JSON text; PostgreSQL: timestamptz -> Date / jsonb -> object), so they are
// read through the codecs in columns.ts and written as ISO / JSON strings, which both accept.
import type { ColumnType, Kysely } from 'kysely';

/** Read as string (SQLite) or Date (PostgreSQL); written as an ISO-8601 string. */
export type TimestampColumn = ColumnType<string | Date, string, string>;
export type NullableTimestampColumn = ColumnType<string | Date | null, string | null, string | null>;
/** Read as JSON text (SQLite) or a parsed value (PostgreSQL jsonb); written as JSON text. */
export type JsonColumn = ColumnType<unknown, string, string>;
export type NullableJsonColumn = ColumnType<unknown, string | null, string | null>;

export interface SitesTable {
  site: string;
  created_at: TimestampColumn;
}

export interface HostsTable {
  host_id: string;
  hostname: string;
  os: JsonColumn;
  role: string;
  site: string;
  agent_version: string;
  enrolled_at: TimestampColumn;
  last_seen_at: NullableTimestampColumn;
  revoked_at: NullableTimestampColumn;
  credential_hash: string;
  /** The report whose verdicts are the host's current ones (the most recently collected). */
  current_report_id: string | null;
  current_collected_at: NullableTimestampColumn;
}

export interface EnrollmentTokensTable {
  token_id: string;
  token_hash: string;
  site: string;
  role: string;
  created_at: TimestampColumn;
  expires_at: TimestampColumn;
  used_at: NullableTimestampColumn;
  used_by_host: string | null;
}

export interface ApiTokensTable {
  token_id: string;
  token_hash: string;
  name: string;
  scope: string;
  created_at: TimestampColumn;
  expires_at: NullableTimestampColumn;
  revoked_at: NullableTimestampColumn;
}

export interface ReportsTable {
  report_id: string;
  host_id: string;
  collected_at: TimestampColumn;
  received_at: TimestampColumn;
  /** The validated report; null once pruned by the evidence retention. */
  body: NullableJsonColumn;
}

export interface VerdictsTable {
  report_id: string;
  host_id: string;
  rule_id: string;
  status: string;
  severity: string;
  title: JsonColumn;
  explanation: JsonColumn;
  evidence: JsonColumn;
  threshold: string | null;
  rule_references: JsonColumn;
  evaluated_at: TimestampColumn;
}

export interface Tables {
  sites: SitesTable;
  hosts: HostsTable;
  enrollment_tokens: EnrollmentTokensTable;
  api_tokens: ApiTokensTable;
  reports: ReportsTable;
  verdicts: VerdictsTable;
}

/** The server's database handle; a transaction (`Transaction<Tables>`) is one too. */
export type Database = Kysely<Tables>;
