// The words of telemaintenance access (../shared/ACCESS.md, docs/access.md): states, windows,
// quorum, channels, and the records routes and the bastion see. TypeBox schemas give the types.
import { Type, type Static } from 'typebox';
import type { Role } from '../auth/roles.js';

export const ACCESS_STATES = ['pending', 'approved', 'active', 'closed', 'denied', 'expired', 'cancelled', 'revoked'] as const;
export type AccessState = (typeof ACCESS_STATES)[number];
export const AccessStateSchema = Type.Enum(ACCESS_STATES);

/** States no transition leaves. */
export const FINAL_STATES: ReadonlySet<AccessState> = new Set(['closed', 'denied', 'expired', 'cancelled', 'revoked']);
/** States in which a request is a grant (its requester may open sessions inside its window). */
export const GRANT_STATES: readonly AccessState[] = ['approved', 'active'];

/** Roles whose people may review (approve, deny, countersign) access requests. */
export const REVIEWER_ROLES = ['admin', 'rssi', 'biomedical'] as const satisfies readonly Role[];
export type ReviewerRole = (typeof REVIEWER_ROLES)[number];
export const ReviewerRoleSchema = Type.Enum(REVIEWER_ROLES);

export function isReviewerRole(role: Role): role is ReviewerRole {
  return (REVIEWER_ROLES as readonly string[]).includes(role);
}

/** Approvals needed per reviewer role, e.g. {"rssi": 1, "biomedical": 1}. */
export const QuorumSchema = Type.Object(
  {
    admin: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    rssi: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    biomedical: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  },
  { additionalProperties: false },
);
export type Quorum = Static<typeof QuorumSchema>;

export const DEFAULT_QUORUM: Quorum = { rssi: 1, biomedical: 1 };
/** An emergency (bris de glace) needs one approver of any reviewer role. */
export const EMERGENCY_QUORUM: Quorum = {};
export const EMERGENCY_MAX_MINUTES = 120;
/** An approved emergency must be countersigned by another reviewer within this delay. */
export const COUNTERSIGN_WITHIN_MS = 24 * 3600_000;
/** Default review deadline after the request (never past the window's end). */
export const DEFAULT_REVIEW_MS = 24 * 3600_000;

/** Approvals a quorum asks for in all (at least one: nobody gets in unseen). */
export function quorumSize(quorum: Quorum): number {
  return Math.max(1, (quorum.admin ?? 0) + (quorum.rssi ?? 0) + (quorum.biomedical ?? 0));
}

export const ChannelsSchema = Type.Object(
  {
    shell: Type.Boolean(),
    exec: Type.Boolean(),
    sftp: Type.Boolean(),
    /** Ports of the target that `direct-tcpip` may reach (web console of the device...); empty = none. */
    direct_tcpip_ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { maxItems: 16, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type Channels = Static<typeof ChannelsSchema>;
export const DEFAULT_CHANNELS: Channels = { shell: true, exec: true, sftp: false, direct_tcpip_ports: [] };

/** A window: inclusive start, exclusive end (ISO-8601 UTC). */
export interface Window {
  not_before: string;
  not_after: string;
}

export const WindowSchema = Type.Object(
  { not_before: Type.String({ format: 'date-time', maxLength: 40 }), not_after: Type.String({ format: 'date-time', maxLength: 40 }) },
  { additionalProperties: false },
);

export const TARGET_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
export const VENDOR_SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
/** Default ticket shape: letters, digits and - _ / . # (a site may set its own pattern). */
export const DEFAULT_TICKET_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_./#-]{1,63}$';

export const DEVICE_CLASSES = ['imaging', 'lab', 'monitoring', 'radiotherapy', 'pharmacy', 'infrastructure', 'other'] as const;
export const DeviceClassSchema = Type.Enum(DEVICE_CLASSES);
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

export const CREDENTIAL_KINDS = ['password', 'ed25519'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const VendorSchema = Type.Object({
  vendor_id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  created_at: Type.String(),
  disabled_at: Type.Union([Type.String(), Type.Null()]),
});
export type Vendor = Static<typeof VendorSchema>;

export const SshKeySchema = Type.Object({
  key_id: Type.String(),
  user_id: Type.String(),
  username: Type.String(),
  algorithm: Type.String(),
  public_key: Type.String(),
  fingerprint: Type.String(),
  comment: Type.String(),
  created_at: Type.String(),
  created_by: Type.String(),
});
export type SshKey = Static<typeof SshKeySchema>;

/** A target as shown: everything but the device credential (only its kind and user). */
export const TargetSchema = Type.Object({
  target_id: Type.String(),
  name: Type.String(),
  site: Type.String(),
  device_class: Type.String(),
  gateway_host_id: Type.String(),
  ssh_host: Type.String(),
  ssh_port: Type.Integer(),
  host_key_fingerprint: Type.String(),
  device_user: Type.String(),
  credential_kind: Type.Enum(CREDENTIAL_KINDS),
  vendors: Type.Array(Type.String()),
  quorum: QuorumSchema,
  max_window_minutes: Type.Integer(),
  channels: ChannelsSchema,
  record_input: Type.Boolean(),
  first_connect_timeout_minutes: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  disabled_at: Type.Union([Type.String(), Type.Null()]),
});
export type Target = Static<typeof TargetSchema>;

export const PostureOverrideSchema = Type.Object({
  justification: Type.String(),
  by: Type.String(),
  at: Type.String(),
  failing_rules: Type.Array(Type.String()),
});
export type PostureOverride = Static<typeof PostureOverrideSchema>;

export const AccessRequestSchema = Type.Object({
  request_id: Type.String(),
  requester: Type.String(),
  requester_id: Type.String(),
  vendor: Type.Union([Type.String(), Type.Null()]),
  target: Type.String(),
  target_id: Type.String(),
  site: Type.String(),
  state: AccessStateSchema,
  requested_not_before: Type.String(),
  requested_not_after: Type.String(),
  not_before: Type.String(),
  not_after: Type.String(),
  review_deadline: Type.String(),
  first_connect_deadline: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  ticket: Type.String(),
  emergency: Type.Boolean(),
  quorum: QuorumSchema,
  posture_override: Type.Union([PostureOverrideSchema, Type.Null()]),
  created_at: Type.String(),
  decided_at: Type.Union([Type.String(), Type.Null()]),
  first_session_at: Type.Union([Type.String(), Type.Null()]),
  ended_at: Type.Union([Type.String(), Type.Null()]),
  end_reason: Type.Union([Type.String(), Type.Null()]),
  countersigned_by: Type.Union([Type.String(), Type.Null()]),
  countersigned_at: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
});
export type AccessRequest = Static<typeof AccessRequestSchema>;

export const REVIEW_DECISIONS = ['approve', 'deny', 'countersign'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export const AccessReviewSchema = Type.Object({
  review_id: Type.String(),
  request_id: Type.String(),
  reviewer: Type.String(),
  reviewer_id: Type.String(),
  reviewer_role: Type.String(),
  decision: Type.Enum(REVIEW_DECISIONS),
  comment: Type.String(),
  not_before: Type.Union([Type.String(), Type.Null()]),
  not_after: Type.Union([Type.String(), Type.Null()]),
  posture: Type.Unknown(),
  created_at: Type.String(),
});
export type AccessReview = Static<typeof AccessReviewSchema>;

/** What the bastion needs about a grant: the request in force for (user, target) now. */
export interface Grant {
  request_id: string;
  user_id: string;
  target_id: string;
  state: 'approved' | 'active';
  not_before: string;
  not_after: string;
  emergency: boolean;
  posture_override: boolean;
}

/** The audit-log target naming a request. */
export const requestAuditTarget = (requestId: string) => `access_request:${requestId}`;
