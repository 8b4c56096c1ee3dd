// The audit report document: what one nightly audit found, as stored (audits.report), hashed,
// rendered (HTML, CSV, JSON) and summarised for notifications. One TypeBox schema gives the types
// and the API response schema.
import { Type, type Static } from 'typebox';
import { HostRoleSchema } from '../../policies/evidence.js';
import { SEVERITIES, VERDICT_STATUSES, type Severity } from '../../policies/verdict.js';
import { AUDIT_TRIGGERS, HOST_STATES, type AuditResult, type AuditTrigger, type HostState } from '../db/audits.js';

const strict = { additionalProperties: false } as const;
const Bilingual = Type.Object({ fr: Type.String(), en: Type.String() }, strict);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

// What one audit stores per run and per host is defined with its repository (db/ is the bottom floor).
export { AUDIT_TRIGGERS, HOST_STATES, type AuditResult, type AuditTrigger, type HostState };

/** Lists in the report are cut at this length (their totals are always exact); the CSV has everything. */
export const MAX_LISTED = 2000;

/** Counts of (host, rule) results; score = pass / (pass + fail), unknown and waived counted apart. */
export const ScoreSchema = Type.Object(
  {
    pass: Count,
    fail: Count,
    warn: Count,
    unknown: Count,
    not_applicable: Count,
    /** fail or warn results covered by an active waiver (not counted in fail / warn). */
    waived: Count,
    /** pass / (pass + fail), 0..1; null when nothing passed or failed. */
    score: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  },
  strict,
);
export type Score = Static<typeof ScoreSchema>;

export const HostRefSchema = Type.Object(
  {
    host_id: Type.String(),
    hostname: Type.String(),
    site: Type.String(),
    role: HostRoleSchema,
    /** When the evidence judged was collected (null: never reported). */
    collected_at: NullableString,
  },
  strict,
);
export type HostRef = Static<typeof HostRefSchema>;

export const FindingSchema = Type.Object(
  {
    host_id: Type.String(),
    hostname: Type.String(),
    site: Type.String(),
    role: HostRoleSchema,
    rule_id: Type.String(),
    severity: Type.Enum(SEVERITIES),
    status: Type.Enum(VERDICT_STATUSES),
    explanation: Type.Union([Bilingual, Type.Null()]),
    waiver_id: NullableString,
    /** Failing now but not in the previous audit. */
    new: Type.Boolean(),
  },
  strict,
);
export type Finding = Static<typeof FindingSchema>;

const Listed = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ total: Count, items: Type.Array(item) }, strict);

export const WaiverRefSchema = Type.Object(
  {
    id: Type.String(),
    rule_id: Type.String(),
    scope: Type.String(),
    approver: Type.String(),
    justification: Type.String(),
    expires_at: Type.String(),
  },
  strict,
);
export type WaiverRef = Static<typeof WaiverRefSchema>;

/**
 * A finding of the telemaintenance access domain (server/access/): an emergency let in on one
 * approval that nobody countersigned within 24 h. Not a (host, rule) result: it names the request.
 */
export const AccessFindingSchema = Type.Object(
  {
    kind: Type.Literal('emergency_not_countersigned'),
    request_id: Type.String(),
    target: Type.String(),
    site: Type.String(),
    gateway_host_id: Type.String(),
    gateway: NullableString,
    /** The vendor company (slug); null for a request made by a hospital user. */
    vendor: NullableString,
    requester: Type.String(),
    /** Who approved it ("username (role)"). */
    approvers: Type.Array(Type.String()),
    ticket: Type.String(),
    reason: Type.String(),
    state: Type.String(),
    window: Type.Object({ not_before: Type.String(), not_after: Type.String() }, strict),
    approved_at: Type.String(),
    /** approved_at + 24 h. */
    countersign_due: Type.String(),
    /** Whole minutes past countersign_due at the audit. */
    overdue_minutes: Count,
  },
  strict,
);
export type AccessFinding = Static<typeof AccessFindingSchema>;

export const AuditReportSchema = Type.Object(
  {
    audit_id: Type.String(),
    trigger: Type.Enum(AUDIT_TRIGGERS),
    scheduled_for: NullableString,
    started_at: Type.String(),
    finished_at: Type.String(),
    packs: Type.Array(Type.Object({ id: Type.String(), version: Type.Integer() }, strict)),
    rules: Type.Record(Type.String(), Type.Object({ title: Bilingual }, strict)),
    hosts: Type.Object({ total: Count, assessed: Count, stale: Count, never_reported: Count }, strict),
    overall: ScoreSchema,
    by_site: Type.Record(Type.String(), ScoreSchema),
    by_role: Type.Record(Type.String(), ScoreSchema),
    by_rule: Type.Record(Type.String(), ScoreSchema),
    /** fail and warn results not waived: critical first, telemaintenance gateways first within a severity. */
    findings: Listed(FindingSchema),
    /** fail and warn results covered by an active waiver. */
    waived: Listed(FindingSchema),
    stale_hosts: Listed(HostRefSchema),
    never_reported: Listed(HostRefSchema),
    expired_waivers: Listed(WaiverRefSchema),
    /** Telemaintenance access findings (absent from audits made before they existed). */
    access_findings: Type.Optional(Listed(AccessFindingSchema)),
    diff: Type.Object(
      {
        previous_audit_id: NullableString,
        previous_started_at: NullableString,
        new_failures: Listed(FindingSchema),
        fixed: Listed(FindingSchema),
        new_hosts: Listed(HostRefSchema),
        vanished_hosts: Listed(HostRefSchema),
      },
      strict,
    ),
  },
  strict,
);
export type AuditReport = Static<typeof AuditReportSchema>;

/** Plain code-unit order: stable, locale-independent and fast on 100,000 hosts. */
const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Report order: severity (critical first), telemaintenance gateways first, fail before warn, then site, host, rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    Number(b.role === 'telemaintenance-gateway') - Number(a.role === 'telemaintenance-gateway') ||
    Number(b.status === 'fail') - Number(a.status === 'fail') ||
    cmp(a.site, b.site) ||
    cmp(a.hostname, b.hostname) ||
    cmp(a.host_id, b.host_id) ||
    cmp(a.rule_id, b.rule_id)
  );
}

export function compareHosts(a: HostRef, b: HostRef): number {
  return cmp(a.site, b.site) || cmp(a.hostname, b.hostname) || cmp(a.host_id, b.host_id);
}
