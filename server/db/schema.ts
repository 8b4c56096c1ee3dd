// Row types of every table, as Kysely sees them. Timestamps and JSON columns differ by dialect
// (SQLite: ISO text / JSON text; PostgreSQL: timestamptz -> Date / jsonb -> object), so they are
// read through the codecs in columns.ts and written as ISO / JSON strings, which both accept.
import type { ColumnType, Kysely } from 'kysely';
import type { BastionSessionsTable } from './bastion-sessions-table.js';

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
  /** The name given at enrollment, never changed by reports (null only if written before 0009). */
  enrolled_hostname: string | null;
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
  revoked_at: ColumnType<string | Date | null, string | null | undefined, string | null>;
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
  // The report's verdict set (migration 0007), written with it; read through the verdict_sets view.
  evaluated_at: NullableTimestampColumn;
  pack_label: string | null;
  pack_fingerprint: string | null;
  statuses: NullableJsonColumn;
  pass: number | null;
  warn: number | null;
  fail: number | null;
  not_applicable: number | null;
  unknown: number | null;
  details: NullableJsonColumn;
}

/**
 * One judged report (see server/db/verdicts.ts): a table from migration 0005, since migration
 * 0007 a view over the verdict columns of `reports` (Vigie only reads it).
 */
export interface VerdictSetsTable {
  report_id: string;
  host_id: string;
  evaluated_at: TimestampColumn;
  pack_label: string;
  pack_fingerprint: string;
  /** {"NET-01": ["pass", "high"], ...} */
  statuses: JsonColumn;
  pass: number;
  warn: number;
  fail: number;
  not_applicable: number;
  unknown: number;
  /** Full verdicts frozen at write time (rows carried over from the old per-rule table only). */
  details: NullableJsonColumn;
}

// ---- people and audit trail (migration 0002; see server/db/users.ts, sessions.ts, auditlog.ts)

export interface UsersTable {
  user_id: string;
  username: string;
  role: string;
  password_hash: string;
  /** 1 when an admin chose the password (it must be changed), else 0. */
  password_must_change: number;
  /** Sealed with the server secrets key (server/auth/totp-at-rest.ts); never base32 in clear once the server started. */
  totp_secret: string | null;
  /** Sealed like totp_secret, with associated data naming this column. */
  totp_pending_secret: string | null;
  totp_last_step: number | null;
  created_at: TimestampColumn;
  disabled_at: NullableTimestampColumn;
}

export interface SessionsTable {
  session_hash: string;
  user_id: string;
  stage: string;
  csrf_hash: string;
  created_at: TimestampColumn;
  last_seen_at: TimestampColumn;
  expires_at: TimestampColumn;
  source_ip: string | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: TimestampColumn;
  used_at: NullableTimestampColumn;
}

export interface LoginAttemptsTable {
  subject: string;
  failures: number;
  last_failure_at: TimestampColumn;
  locked_until: NullableTimestampColumn;
  reserved: ColumnType<number, number | undefined, number>;
  reserved_until: NullableTimestampColumn;
  refused: ColumnType<number, number | undefined, number>;
  refused_since: NullableTimestampColumn;
}

export interface AuditLogTable {
  seq: number;
  at: TimestampColumn;
  actor_type: string;
  actor_id: string;
  action: string;
  target: string | null;
  /** Canonical JSON text (the exact bytes hashed), in both dialects. */
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditLogHeadTable {
  id: number;
  last_seq: number;
  last_hash: string;
}

// ---- nightly audit (migration 0004; see server/db/waivers.ts, server/db/audits.ts)

export interface WaiversTable {
  waiver_id: string;
  rule_id: string;
  scope_kind: string;
  scope_value: string;
  justification: string;
  approver: string;
  created_at: TimestampColumn;
  expires_at: TimestampColumn;
  /** Migration 0017: when and by whom it was revoked (null while it runs its course). */
  revoked_at: NullableTimestampColumn;
  revoked_by: string | null;
}

export interface AuditsTable {
  audit_id: string;
  trigger: string;
  scheduled_for: NullableTimestampColumn;
  started_at: TimestampColumn;
  finished_at: NullableTimestampColumn;
  previous_audit_id: string | null;
  host_count: number;
  summary: NullableJsonColumn;
  report: string | null;
  report_sha256: string | null;
  notifications: NullableJsonColumn;
}

export interface AuditHostsTable {
  audit_id: string;
  host_id: string;
  hostname: string;
  site: string;
  role: string;
  state: string;
  collected_at: NullableTimestampColumn;
  results: JsonColumn;
  failing: string;
}

export interface JobLocksTable {
  name: string;
  holder: string;
  lease_until: TimestampColumn;
}

// ---- telemaintenance access (migration 0011; see server/access/)

export interface VendorsTable {
  vendor_id: string;
  slug: string;
  name: string;
  created_at: TimestampColumn;
  disabled_at: NullableTimestampColumn;
}

export interface VendorMembersTable {
  user_id: string;
  vendor_id: string;
  created_at: TimestampColumn;
}

export interface SshKeysTable {
  key_id: string;
  user_id: string;
  algorithm: string;
  public_key: string;
  fingerprint: string;
  comment: string;
  created_at: TimestampColumn;
  created_by: string;
}

export interface AccessTargetsTable {
  target_id: string;
  name: string;
  site: string;
  device_class: string;
  gateway_host_id: string;
  ssh_host: string;
  ssh_port: number;
  host_key_fingerprint: string;
  device_user: string;
  credential_kind: string;
  /** Sealed (server/access/device-credential.ts); never returned. */
  device_credential: string;
  quorum: JsonColumn;
  max_window_minutes: number;
  channels: JsonColumn;
  record_input: number;
  first_connect_timeout_minutes: number | null;
  created_at: TimestampColumn;
  updated_at: TimestampColumn;
  disabled_at: NullableTimestampColumn;
}

export interface AccessTargetVendorsTable {
  target_id: string;
  vendor_id: string;
}

export interface AccessRequestsTable {
  request_id: string;
  requester_id: string;
  vendor_id: string | null;
  target_id: string;
  state: string;
  requested_not_before: TimestampColumn;
  requested_not_after: TimestampColumn;
  not_before: TimestampColumn;
  not_after: TimestampColumn;
  review_deadline: TimestampColumn;
  first_connect_deadline: NullableTimestampColumn;
  reason: string;
  ticket: string;
  emergency: number;
  quorum: JsonColumn;
  posture_override: NullableJsonColumn;
  created_at: TimestampColumn;
  decided_at: NullableTimestampColumn;
  first_session_at: NullableTimestampColumn;
  ended_at: NullableTimestampColumn;
  end_reason: string | null;
  countersigned_by: string | null;
  countersigned_at: NullableTimestampColumn;
  version: number;
}

export interface AccessReviewsTable {
  review_id: string;
  request_id: string;
  reviewer_id: string;
  reviewer_role: string;
  decision: string;
  comment: string;
  not_before: NullableTimestampColumn;
  not_after: NullableTimestampColumn;
  posture: NullableJsonColumn;
  created_at: TimestampColumn;
}

// ---- access notices (migration 0011b; see server/access/contacts.ts)

export interface AccessContactsTable {
  user_id: string;
  email: string;
  lang: string;
  updated_at: TimestampColumn;
}

// ---- dashboard trends (migration 0010; see server/db/trends.ts)

export interface TrendRuleCountsTable {
  day: string;
  site: string;
  role: string;
  rule_id: string;
  status: string;
  hosts: number;
}

/** trend_rule_counts summed over rules (migration 0018b). */
export interface TrendStatusCountsTable {
  day: string;
  site: string;
  role: string;
  status: string;
  hosts: number;
}

export interface TrendHostCountsTable {
  day: string;
  site: string;
  role: string;
  state: string;
  hosts: number;
}

// ---- destination inventory (migration 0013; see server/inventory/)

export interface InventorySightingsTable {
  site: string;
  role: string;
  destination: string;
  port: number;
  protocol: string;
  direction: string;
  host_key: string;
  day: string;
  source: string;
  process: string | null;
  first_seen: TimestampColumn;
  last_seen: TimestampColumn;
  hits: number;
}

export interface InventoryDestinationsTable {
  site: string;
  role: string;
  destination: string;
  port: number;
  protocol: string;
  direction: string;
  kind: string;
  domain: string | null;
  internal: number;
  hosts_count: number;
  hosts_sample: JsonColumn;
  processes: JsonColumn;
  sources: JsonColumn;
  addresses: JsonColumn;
  first_seen: TimestampColumn;
  last_seen: TimestampColumn;
  days_seen: number;
  last_day: string;
  verdict: string;
  verdict_entry: string | null;
  verdict_reason: string;
}

export interface InventoryHostAddressesTable {
  address: string;
  host_id: string;
  site: string;
  role: string;
  seen_at: TimestampColumn;
}

/** Reports the inventory feed has rolled up, within its lookback (migration 0022). */
export interface InventoryFedReportsTable {
  report_id: string;
  received_at: TimestampColumn;
}

export interface InventoryStateTable {
  name: string;
  value: string;
}

export interface ProxyLogImportsTable {
  stream: string;
  format: string;
  offset: ColumnType<string | number, string | number, string | number>;
  identity: string;
  lines: ColumnType<string | number, string | number, string | number>;
  rejected: ColumnType<string | number, string | number, string | number>;
  unmapped: ColumnType<string | number, string | number, string | number>;
  updated_at: TimestampColumn;
}

export interface LearningScopesTable {
  scope_id: string;
  site: string;
  role: string;
  opened_by: string;
  opened_at: TimestampColumn;
  ends_at: TimestampColumn;
  closed_at: NullableTimestampColumn;
  closed_by: string | null;
  waiver_id: string;
}

export interface DestinationProposalsTable {
  proposal_id: string;
  site: string;
  role: string;
  kind: string;
  subject: string;
  entry: JsonColumn;
  evidence: JsonColumn;
  status: string;
  proposed_at: TimestampColumn;
  proposed_by: string;
  decided_at: NullableTimestampColumn;
  decided_by: string | null;
  decision: NullableJsonColumn;
}

// ---- organisation declarations (migration 0014; see server/db/org-declarations.ts)

export interface OrgDeclarationsTable {
  declaration_id: string;
  kind: string;
  rule_id: string;
  performed_on: string;
  evidence_ref: string;
  expires_on: string;
  subject: string | null;
  directory_role: string | null;
  level: number | null;
  score: number | null;
  coverage_percent: number | null;
  declared_by: string;
  declared_at: TimestampColumn;
  withdrawn_at: NullableTimestampColumn;
  withdrawn_by: string | null;
  withdrawal_reason: string | null;
}

export interface Tables {
  sites: SitesTable;
  hosts: HostsTable;
  enrollment_tokens: EnrollmentTokensTable;
  api_tokens: ApiTokensTable;
  reports: ReportsTable;
  verdict_sets: VerdictSetsTable;
  users: UsersTable;
  sessions: SessionsTable;
  recovery_codes: RecoveryCodesTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
  audit_log_head: AuditLogHeadTable;
  waivers: WaiversTable;
  audits: AuditsTable;
  audit_hosts: AuditHostsTable;
  job_locks: JobLocksTable;
  vendors: VendorsTable;
  vendor_members: VendorMembersTable;
  ssh_keys: SshKeysTable;
  access_targets: AccessTargetsTable;
  access_target_vendors: AccessTargetVendorsTable;
  access_requests: AccessRequestsTable;
  access_reviews: AccessReviewsTable;
  access_contacts: AccessContactsTable;
  bastion_sessions: BastionSessionsTable;
  trend_rule_counts: TrendRuleCountsTable;
  trend_host_counts: TrendHostCountsTable;
  inventory_sightings: InventorySightingsTable;
  inventory_destinations: InventoryDestinationsTable;
  inventory_host_addresses: InventoryHostAddressesTable;
  inventory_state: InventoryStateTable;
  inventory_fed_reports: InventoryFedReportsTable;
  proxy_log_imports: ProxyLogImportsTable;
  learning_scopes: LearningScopesTable;
  destination_proposals: DestinationProposalsTable;
  org_declarations: OrgDeclarationsTable;
  trend_status_counts: TrendStatusCountsTable;
}

/** The server's database handle; a transaction (`Transaction<Tables>`) is one too. */
export type Database = Kysely<Tables>;
