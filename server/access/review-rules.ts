// The rules of review, pure: who may review, whether a proposed window only narrows the one in
// force, and whether the approvals reach the request's quorum. transitions.ts applies them.
import type { Role } from '../auth/roles.js';
import { FINAL_STATES, isReviewerRole, quorumSize, REVIEWER_ROLES, type AccessRequest, type AccessState, type Quorum, type ReviewerRole, type Window } from './model.js';

export type Refusal = { status: 400 | 403 | 409; code: string; message: string };

/** Why `reviewer` may not review `request` now; null when they may. */
export function reviewRefusal(
  request: Pick<AccessRequest, 'requester_id' | 'state'>,
  reviewer: { user_id: string; role: Role },
  alreadyReviewed: boolean,
): Refusal | null {
  if (!isReviewerRole(reviewer.role)) return { status: 403, code: 'not_a_reviewer', message: `The ${reviewer.role} role may not review access requests.` };
  // Whatever the role, admin included: nobody lets themselves in.
  if (request.requester_id === reviewer.user_id) return { status: 403, code: 'self_approval', message: 'You cannot review your own request.' };
  if (alreadyReviewed) return { status: 409, code: 'already_reviewed', message: 'You have already reviewed this request (one review per person).' };
  if (request.state !== 'pending') return { status: 409, code: 'not_pending', message: `The request is ${request.state}; only pending requests are reviewed.` };
  return null;
}

/**
 * The window after a review proposing `proposed` on `current`: a reviewer may move the start
 * later or the end earlier, never extend either side, and the result must not be empty.
 */
export function narrowWindow(current: Window, proposed: Partial<Window>): { ok: true; window: Window } | { ok: false; refusal: Refusal } {
  const start = proposed.not_before === undefined ? Date.parse(current.not_before) : Date.parse(proposed.not_before);
  const end = proposed.not_after === undefined ? Date.parse(current.not_after) : Date.parse(proposed.not_after);
  if (Number.isNaN(start) || Number.isNaN(end)) return { ok: false, refusal: { status: 400, code: 'invalid_window', message: 'not_before and not_after are ISO-8601 date-times.' } };
  if (start < Date.parse(current.not_before) || end > Date.parse(current.not_after)) {
    return {
      ok: false,
      refusal: {
        status: 409,
        code: 'window_extension_refused',
        message: `A review may shorten the window (${current.not_before} to ${current.not_after}) or move its start later, never extend it.`,
      },
    };
  }
  if (end <= start) return { ok: false, refusal: { status: 400, code: 'invalid_window', message: 'The window ends before it starts.' } };
  return { ok: true, window: { not_before: new Date(start).toISOString(), not_after: new Date(end).toISOString() } };
}

export interface QuorumProgress {
  /** Approvals needed per role (roles absent from the quorum need none). */
  needed: Record<ReviewerRole, number>;
  have: Record<ReviewerRole, number>;
  /** Approvals needed in all: the quorum's size, plus one when the posture gate was overridden. */
  needed_total: number;
  have_total: number;
  reached: boolean;
}

export function quorumProgress(quorum: Quorum, approverRoles: readonly string[], overridden: boolean): QuorumProgress {
  const needed = { admin: quorum.admin ?? 0, rssi: quorum.rssi ?? 0, biomedical: quorum.biomedical ?? 0 };
  const have = { admin: 0, rssi: 0, biomedical: 0 };
  for (const role of approverRoles) if ((REVIEWER_ROLES as readonly string[]).includes(role)) have[role as ReviewerRole] += 1;
  const neededTotal = quorumSize(quorum) + (overridden ? 1 : 0);
  const haveTotal = have.admin + have.rssi + have.biomedical;
  const reached = REVIEWER_ROLES.every((r) => have[r] >= needed[r]) && haveTotal >= neededTotal;
  return { needed, have, needed_total: neededTotal, have_total: haveTotal, reached };
}

/** Transitions allowed by the state machine of ACCESS.md (plus approved -> expired: first-connect timeout). */
const NEXT: Record<AccessState, readonly AccessState[]> = {
  pending: ['approved', 'denied', 'expired', 'cancelled'],
  approved: ['active', 'closed', 'revoked', 'expired', 'cancelled'],
  active: ['closed', 'revoked'],
  closed: [],
  denied: [],
  expired: [],
  cancelled: [],
  revoked: [],
};

export function canMove(from: AccessState, to: AccessState): boolean {
  return NEXT[from].includes(to);
}

export const isFinal = (state: AccessState) => FINAL_STATES.has(state);
