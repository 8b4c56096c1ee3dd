// What the access domain tells people (server/access/notify-access.ts sends it by email, webhook and
// syslog): a new request to its approvers, a decision to its requester, a revoke and an emergency to
// every approver. A notice carries facts only: no secret, no link that logs anyone in.
import type { AccessRequest } from './model.js';

export type AccessNoticeKind = 'requested' | 'emergency' | 'approved' | 'denied' | 'revoked' | 'cancelled' | 'expired' | 'countersigned';

export interface AccessNotice {
  kind: AccessNoticeKind;
  request: AccessRequest;
  /** Who caused it (username, or "system" for the clocks). */
  actor: string;
  /** The comment, reason or justification given with it. */
  reason: string | null;
}

export interface AccessNotifier {
  /** Never throws: a channel that fails is logged and reported by the notifier itself. */
  notify(notice: AccessNotice): Promise<void>;
}
