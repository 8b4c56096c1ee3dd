// Every move of an access request: ask, review (approve, deny, countersign), cancel, revoke, the
// first session, and the clocks (review deadline, window end, first-connect timeout). Each move
// and its audit entry (actor, reason, window before and after) commit together; notifications go
// out after the commit. The rules themselves are in review-rules.ts; the gate in posture-gate.ts.
import type { FastifyBaseLogger } from 'fastify';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import type { Role } from '../auth/roles.js';
import type { ThrottlePolicy } from '../auth/throttle.js';
import { isUniqueViolation } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { ApiError } from '../errors.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import {
  COUNTERSIGN_WITHIN_MS,
  DEFAULT_REVIEW_MS,
  DEFAULT_TICKET_PATTERN,
  EMERGENCY_MAX_MINUTES,
  EMERGENCY_QUORUM,
  requestAuditTarget,
  type AccessRequest,
  type AccessReview,
  type AccessState,
  type PostureOverride,
  type Target,
  type Window,
} from './model.js';
import type { AccessNotice, AccessNotifier } from './notices.js';
import { checkPostureGate, type PostureGateDeps, type PostureGateResult } from './posture-gate.js';
import { findRequest, insertRequest, insertReview, listReviews, requestsDue, updateRequestIfVersion, type RequestChange } from './requests-store.js';
import { canMove, narrowWindow, quorumProgress, reviewRefusal, type QuorumProgress, type Refusal } from './review-rules.js';
import { verifyStepUp } from './step-up.js';
import { findTarget, isVendorAllowed } from './targets-store.js';
import { vendorOfUser } from './vendors-store.js';

export interface AccessDeps extends PostureGateDeps {
  secretsKey: SecretsKey;
  log: Pick<FastifyBaseLogger, 'error' | 'warn' | 'info'>;
  notifier?: AccessNotifier | undefined;
  throttle?: ThrottlePolicy | undefined;
  /** Pattern a ticket must match (a site's ticketing format); DEFAULT_TICKET_PATTERN otherwise. */
  ticketPattern?: string | undefined;
}

/** The person acting. */
export interface AccessActor {
  user_id: string;
  username: string;
  role: Role;
}

const auditActor = (actor: AccessActor): AuditActor => ({ type: 'user', id: actor.username });
const SYSTEM: AuditActor = { type: 'system', id: 'access-clock' };
const windowOf = (r: Pick<AccessRequest, 'not_before' | 'not_after'>): Window => ({ not_before: r.not_before, not_after: r.not_after });

const refuse = (r: Refusal): ApiError => new ApiError(r.status, r.code, r.message);
const notFound = () => new ApiError(404, 'not_found', 'No such access request.');
const conflict = () => new ApiError(409, 'conflict', 'The request changed meanwhile; read it again and retry.');

/** Roles that may ask for access (auditors only read). */
export const REQUESTER_ROLES: readonly Role[] = ['vendor', 'technician', 'biomedical', 'rssi', 'admin'];

/** The request as `actor` may see it: a vendor sees only its own requests (others are "not found"). */
export async function visibleRequest(db: Database, actor: Pick<AccessActor, 'user_id' | 'role'>, requestId: string): Promise<AccessRequest> {
  const request = await findRequest(db, requestId);
  if (request === undefined) throw notFound();
  if (actor.role === 'vendor' && request.requester_id !== actor.user_id) throw notFound();
  return request;
}

async function notify(deps: AccessDeps, notice: AccessNotice): Promise<void> {
  if (deps.notifier === undefined) return;
  try {
    await deps.notifier.notify(notice);
  } catch (error) {
    // Notifiers report their own failures; this only guards the committed transition.
    deps.log.error({ err: error, request_id: notice.request.request_id, kind: notice.kind }, 'access notification failed');
  }
}

// ---------------------------------------------------------------- asking

export interface NewAccessRequest {
  /** Target name or id. */
  target: string;
  /** Default: now. */
  not_before?: string | undefined;
  not_after: string;
  reason: string;
  ticket: string;
  emergency?: boolean | undefined;
}

const FUTURE_LIMIT_MS = 180 * 24 * 3600_000;
const PAST_TOLERANCE_MS = 60_000;

async function targetFor(db: Database, actor: AccessActor, name: string): Promise<{ target: Target; vendorId: string | null }> {
  const target = (await findTarget(db, { name })) ?? (/^[0-9a-f-]{36}$/.test(name) ? await findTarget(db, { target_id: name }) : undefined);
  const unknown = new ApiError(404, 'unknown_target', `No target named ${name.slice(0, 64)} for you.`);
  if (target === undefined) throw unknown;
  if (actor.role !== 'vendor') return { target, vendorId: null };
  const vendor = await vendorOfUser(db, actor.user_id);
  // A vendor learns nothing of targets it may not ask for.
  if (vendor === undefined || vendor.disabled_at !== null || !(await isVendorAllowed(db, target.target_id, vendor.vendor_id))) throw unknown;
  return { target, vendorId: vendor.vendor_id };
}

export async function createRequest(deps: AccessDeps, actor: AccessActor, input: NewAccessRequest, now: Date): Promise<AccessRequest> {
  if (!REQUESTER_ROLES.includes(actor.role)) throw new ApiError(403, 'forbidden', `The ${actor.role} role may not ask for access.`);
  const { target, vendorId } = await targetFor(deps.db, actor, input.target);
  if (target.disabled_at !== null) throw new ApiError(409, 'target_disabled', `Target ${target.name} is disabled.`);
  const emergency = input.emergency === true;
  const reason = input.reason.trim();
  if (reason.length < 3) throw new ApiError(400, 'reason_required', 'Say why the access is needed (reason).');
  const ticket = input.ticket.trim();
  if (!new RegExp(deps.ticketPattern ?? DEFAULT_TICKET_PATTERN).test(ticket)) {
    throw new ApiError(400, 'invalid_ticket', `The ticket reference does not match the expected format (${deps.ticketPattern ?? DEFAULT_TICKET_PATTERN}).`);
  }
  const start = input.not_before === undefined ? now.getTime() : Date.parse(input.not_before);
  const end = Date.parse(input.not_after);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new ApiError(400, 'invalid_window', 'not_before and not_after are ISO-8601 date-times.');
  if (end <= start) throw new ApiError(400, 'invalid_window', 'The window ends before it starts.');
  if (start < now.getTime() - PAST_TOLERANCE_MS) throw new ApiError(400, 'window_in_past', 'The window cannot start in the past.');
  if (start > now.getTime() + FUTURE_LIMIT_MS) throw new ApiError(400, 'window_too_far', 'The window starts more than 180 days from now.');
  // An emergency starts now, whatever was asked.
  const notBefore = emergency ? now.getTime() : Math.max(start, now.getTime() - PAST_TOLERANCE_MS);
  const maxMinutes = emergency ? Math.min(EMERGENCY_MAX_MINUTES, target.max_window_minutes) : target.max_window_minutes;
  if (emergency && start > now.getTime() + PAST_TOLERANCE_MS) throw new ApiError(400, 'emergency_starts_now', 'An emergency window starts now.');
  if (end - notBefore > maxMinutes * 60_000) {
    throw new ApiError(400, 'window_too_long', `The window may last at most ${maxMinutes} min on ${target.name}${emergency ? ' (emergency)' : ''}.`);
  }
  const reviewDeadline = emergency ? end : Math.min(now.getTime() + DEFAULT_REVIEW_MS, end);
  const firstConnect = target.first_connect_timeout_minutes === null ? null : new Date(notBefore + target.first_connect_timeout_minutes * 60_000);
  const requestId = await deps.db.transaction().execute(async (trx) => {
    const id = await insertRequest(trx, {
      requester_id: actor.user_id,
      vendor_id: vendorId,
      target_id: target.target_id,
      not_before: new Date(notBefore),
      not_after: new Date(end),
      review_deadline: new Date(reviewDeadline),
      first_connect_deadline: firstConnect,
      reason,
      ticket,
      emergency,
      quorum: emergency ? EMERGENCY_QUORUM : target.quorum,
      now,
    });
    await appendAuditEvent(trx, {
      actor: auditActor(actor),
      action: emergency ? 'access.emergency_requested' : 'access.requested',
      target: requestAuditTarget(id),
      details: {
        from: null,
        to: 'pending',
        target: target.name,
        site: target.site,
        ticket,
        reason,
        emergency,
        window_before: null,
        window_after: { not_before: new Date(notBefore).toISOString(), not_after: new Date(end).toISOString() },
        review_deadline: new Date(reviewDeadline).toISOString(),
      },
      at: now,
    });
    return id;
  });
  const request = (await findRequest(deps.db, requestId))!;
  await notify(deps, { kind: emergency ? 'emergency' : 'requested', request, actor: actor.username, reason });
  return request;
}

// ---------------------------------------------------------------- reviewing

export interface ReviewInput {
  decision: 'approve' | 'deny' | 'countersign';
  comment: string;
  totp_code: string;
  not_before?: string | undefined;
  not_after?: string | undefined;
  /** Approve although the gateway fails the posture gate: a written justification (one approver more is then needed). */
  override_justification?: string | undefined;
}

export interface ReviewOutcome {
  request: AccessRequest;
  reviews: AccessReview[];
  quorum: QuorumProgress;
  posture: PostureGateResult | null;
}

const MIN_JUSTIFICATION = 10;

/** Record a transition with its audit entry, inside `trx`; throws conflict when the row moved. */
async function transition(
  trx: Database,
  request: AccessRequest,
  to: AccessState | null,
  change: RequestChange,
  audit: { actor: AuditActor; action: string; reason: string | null; details?: Record<string, unknown> },
  now: Date,
): Promise<void> {
  if (to !== null && !canMove(request.state, to)) throw new ApiError(409, 'invalid_transition', `A ${request.state} request cannot become ${to}.`);
  if (!(await updateRequestIfVersion(trx, request.request_id, request.version, to === null ? change : { ...change, state: to }))) throw conflict();
  const after = {
    not_before: change.not_before?.toISOString() ?? request.not_before,
    not_after: change.not_after?.toISOString() ?? request.not_after,
  };
  await appendAuditEvent(trx, {
    actor: audit.actor,
    action: audit.action,
    target: requestAuditTarget(request.request_id),
    details: {
      from: request.state,
      to: to ?? request.state,
      target: request.target,
      requester: request.requester,
      reason: audit.reason,
      window_before: windowOf(request),
      window_after: after,
      ...audit.details,
    },
    at: now,
  });
}

export async function reviewRequest(
  deps: AccessDeps,
  actor: AccessActor,
  requestId: string,
  input: ReviewInput,
  sourceIp: string,
  now: Date,
): Promise<ReviewOutcome> {
  const request = await visibleRequest(deps.db, actor, requestId);
  const reviews = await listReviews(deps.db, requestId);
  const alreadyReviewed = reviews.some((r) => r.reviewer_id === actor.user_id);
  const comment = input.comment.trim();
  if (input.decision === 'countersign') return countersign(deps, actor, request, alreadyReviewed, comment, input.totp_code, sourceIp, now);

  const refusal = reviewRefusal(request, actor, alreadyReviewed);
  if (refusal !== null) {
    if (refusal.code === 'self_approval') {
      await appendAuditEvent(deps.db, {
        actor: auditActor(actor),
        action: 'access.review_refused',
        target: requestAuditTarget(requestId),
        details: { reason: 'self_approval', decision: input.decision },
        at: now,
      });
    }
    throw refuse(refusal);
  }
  if (input.decision === 'deny' && comment.length === 0) throw new ApiError(400, 'comment_required', 'Say why the request is denied (comment).');
  let window = windowOf(request);
  if (input.decision === 'approve') {
    const narrowed = narrowWindow(window, { not_before: input.not_before, not_after: input.not_after });
    if (!narrowed.ok) {
      await appendAuditEvent(deps.db, {
        actor: auditActor(actor),
        action: 'access.review_refused',
        target: requestAuditTarget(requestId),
        details: { reason: narrowed.refusal.code, window_before: window, window_proposed: { not_before: input.not_before ?? null, not_after: input.not_after ?? null } },
        at: now,
      });
      throw refuse(narrowed.refusal);
    }
    window = narrowed.window;
    if (Date.parse(window.not_after) <= now.getTime()) throw new ApiError(409, 'window_over', 'The window is already over.');
  }
  // The code is checked once the review is known to be admissible, and before anything is written.
  await verifyStepUp({ ...deps, throttle: deps.throttle }, actor.user_id, input.totp_code, sourceIp, now, `review of ${requestAuditTarget(requestId)}`);

  let posture: PostureGateResult | null = null;
  let override: PostureOverride | undefined;
  if (input.decision === 'approve') {
    const target = (await findTarget(deps.db, { target_id: request.target_id }))!;
    posture = await checkPostureGate(deps, target.gateway_host_id, now);
    if (!posture.ok && request.posture_override === null) {
      const justification = input.override_justification?.trim() ?? '';
      const failingRules = posture.failing.map((f) => f.rule_id);
      if (justification.length < MIN_JUSTIFICATION) {
        await appendAuditEvent(deps.db, {
          actor: auditActor(actor),
          action: 'access.review_refused',
          target: requestAuditTarget(requestId),
          details: { reason: 'posture_gate', gateway: target.gateway_host_id, problem: posture.problem?.code ?? null, failing_rules: failingRules },
          at: now,
        });
        throw new ApiError(
          409,
          'posture_gate_failed',
          `The gateway ${posture.hostname ?? target.gateway_host_id} does not pass the posture gate: ${[posture.problem?.en, ...posture.failing.map((f) => `${f.rule_id} (${f.status}): ${f.explanation.en}`)].filter(Boolean).join('; ')}. ` +
            `Approving anyway needs a written justification (override_justification, at least ${MIN_JUSTIFICATION} characters) and one approver more than the quorum.`,
          [
            ...(posture.problem === null ? [] : [{ field: '/gateway', reason: `${posture.problem.code}: ${posture.problem.en}` }]),
            ...posture.failing.map((f) => ({ field: `/rules/${f.rule_id}`, reason: `${f.status}: ${f.explanation.en}` })),
          ],
        );
      }
      override = { justification: justification.slice(0, 2000), by: actor.username, at: now.toISOString(), failing_rules: posture.problem === null ? failingRules : [posture.problem.code, ...failingRules] };
    }
  }

  await deps.db.transaction().execute(async (trx) => {
    try {
      await insertReview(trx, {
        request_id: requestId,
        reviewer_id: actor.user_id,
        reviewer_role: actor.role,
        decision: input.decision,
        comment: comment.slice(0, 2000),
        not_before: input.decision === 'approve' ? new Date(window.not_before) : null,
        not_after: input.decision === 'approve' ? new Date(window.not_after) : null,
        posture: posture === null ? null : { ok: posture.ok, report_id: posture.report_id, collected_at: posture.collected_at, problem: posture.problem?.code ?? null, failing: posture.failing.map((f) => f.rule_id) },
        now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError(409, 'already_reviewed', 'You have already reviewed this request (one review per person).');
      throw error;
    }
    const reviewDetails = {
      decision: input.decision,
      reviewer_role: actor.role,
      posture_ok: posture?.ok ?? null,
      ...(override === undefined ? {} : { posture_override: override }),
    };
    if (input.decision === 'deny') {
      await transition(trx, request, 'denied', { decided_at: now, ended_at: now, end_reason: comment.slice(0, 2000) }, { actor: auditActor(actor), action: 'access.denied', reason: comment, details: reviewDetails }, now);
      return;
    }
    const approvals = [...reviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer_role), actor.role];
    const progress = quorumProgress(request.quorum, approvals, (override ?? request.posture_override) !== null && (override ?? request.posture_override) !== undefined);
    const change: RequestChange = {};
    if (window.not_before !== request.not_before) {
      change.not_before = new Date(window.not_before);
      const target = await findTarget(trx, { target_id: request.target_id });
      if (target?.first_connect_timeout_minutes != null) change.first_connect_deadline = new Date(Date.parse(window.not_before) + target.first_connect_timeout_minutes * 60_000);
    }
    if (window.not_after !== request.not_after) change.not_after = new Date(window.not_after);
    if (override !== undefined) change.posture_override = override;
    if (progress.reached) change.decided_at = now;
    await transition(
      trx,
      request,
      progress.reached ? 'approved' : null,
      change,
      {
        actor: auditActor(actor),
        action: progress.reached ? 'access.approved' : 'access.review_approved',
        reason: comment || null,
        details: { ...reviewDetails, quorum: { needed: progress.needed_total, have: progress.have_total } },
      },
      now,
    );
  });
  const after = (await findRequest(deps.db, requestId))!;
  const afterReviews = await listReviews(deps.db, requestId);
  const progress = quorumProgress(after.quorum, afterReviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer_role), after.posture_override !== null);
  if (after.state === 'denied') await notify(deps, { kind: 'denied', request: after, actor: actor.username, reason: comment });
  if (after.state === 'approved') await notify(deps, { kind: 'approved', request: after, actor: actor.username, reason: comment || null });
  return { request: after, reviews: afterReviews, quorum: progress, posture };
}

async function countersign(
  deps: AccessDeps,
  actor: AccessActor,
  request: AccessRequest,
  alreadyReviewed: boolean,
  comment: string,
  code: string,
  sourceIp: string,
  now: Date,
): Promise<ReviewOutcome> {
  const base = reviewRefusal({ ...request, state: 'pending' }, actor, alreadyReviewed);
  if (base !== null) throw refuse(base);
  if (!request.emergency) throw new ApiError(409, 'not_emergency', 'Only emergency requests are countersigned.');
  if (request.decided_at === null || !['approved', 'active', 'closed', 'revoked', 'expired'].includes(request.state)) {
    throw new ApiError(409, 'not_approved', 'Only an approved emergency is countersigned.');
  }
  if (request.countersigned_at !== null) throw new ApiError(409, 'already_countersigned', `Already countersigned by ${request.countersigned_by ?? '?'}.`);
  await verifyStepUp(deps, actor.user_id, code, sourceIp, now, `countersignature of ${requestAuditTarget(request.request_id)}`);
  const late = now.getTime() - Date.parse(request.decided_at) > COUNTERSIGN_WITHIN_MS;
  await deps.db.transaction().execute(async (trx) => {
    try {
      await insertReview(trx, { request_id: request.request_id, reviewer_id: actor.user_id, reviewer_role: actor.role, decision: 'countersign', comment: comment.slice(0, 2000), not_before: null, not_after: null, posture: null, now });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError(409, 'already_reviewed', 'You have already reviewed this request (one review per person).');
      throw error;
    }
    await transition(trx, request, null, { countersigned_by: actor.username, countersigned_at: now }, { actor: auditActor(actor), action: 'access.countersigned', reason: comment || null, details: { late } }, now);
  });
  const after = (await findRequest(deps.db, request.request_id))!;
  await notify(deps, { kind: 'countersigned', request: after, actor: actor.username, reason: comment || null });
  const reviews = await listReviews(deps.db, request.request_id);
  return { request: after, reviews, quorum: quorumProgress(after.quorum, reviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer_role), after.posture_override !== null), posture: null };
}

// ---------------------------------------------------------------- cancel, revoke

/** The requester withdraws a pending or approved (not yet used) request. */
export async function cancelRequest(deps: AccessDeps, actor: AccessActor, requestId: string, reason: string, now: Date): Promise<AccessRequest> {
  const request = await visibleRequest(deps.db, actor, requestId);
  if (request.requester_id !== actor.user_id) throw new ApiError(403, 'not_requester', 'Only the requester cancels a request; reviewers deny or revoke it.');
  if (request.state !== 'pending' && request.state !== 'approved') throw new ApiError(409, 'invalid_transition', `A ${request.state} request cannot be cancelled.`);
  const text = reason.trim() || 'cancelled by the requester';
  await deps.db.transaction().execute((trx) =>
    transition(trx, request, 'cancelled', { ended_at: now, end_reason: text.slice(0, 2000) }, { actor: auditActor(actor), action: 'access.cancelled', reason: text }, now),
  );
  const after = (await findRequest(deps.db, requestId))!;
  await notify(deps, { kind: 'cancelled', request: after, actor: actor.username, reason: text });
  return after;
}

/** A reviewer ends a grant (approved or active) at once; the bastion cuts its sessions. */
export async function revokeRequest(deps: AccessDeps, actor: AccessActor, requestId: string, reason: string, now: Date): Promise<AccessRequest> {
  if (!['admin', 'rssi', 'biomedical'].includes(actor.role)) throw new ApiError(403, 'forbidden', `The ${actor.role} role may not revoke access.`);
  const request = await visibleRequest(deps.db, actor, requestId);
  const text = reason.trim();
  if (text.length === 0) throw new ApiError(400, 'reason_required', 'Say why the access is revoked (reason).');
  if (request.state !== 'approved' && request.state !== 'active') throw new ApiError(409, 'invalid_transition', `A ${request.state} request cannot be revoked.`);
  await deps.db.transaction().execute((trx) =>
    transition(trx, request, 'revoked', { ended_at: now, end_reason: text.slice(0, 2000) }, { actor: auditActor(actor), action: 'access.revoked', reason: text }, now),
  );
  const after = (await findRequest(deps.db, requestId))!;
  await notify(deps, { kind: 'revoked', request: after, actor: actor.username, reason: text });
  return after;
}

// ---------------------------------------------------------------- sessions and clocks

/** The bastion calls this when the first session of a grant starts: approved -> active (no-op once active). */
export async function markGrantActive(deps: Pick<AccessDeps, 'db'>, requestId: string, sessionId: string, now: Date): Promise<AccessRequest> {
  const request = await findRequest(deps.db, requestId);
  if (request === undefined) throw notFound();
  if (request.state === 'active') return request;
  if (request.state !== 'approved') throw new ApiError(409, 'invalid_transition', `A ${request.state} request has no grant to use.`);
  await deps.db.transaction().execute((trx) =>
    transition(trx, request, 'active', { first_session_at: now }, { actor: { type: 'system', id: 'bastion' }, action: 'access.activated', reason: 'first session', details: { bastion_session: sessionId } }, now),
  );
  return (await findRequest(deps.db, requestId))!;
}

const SWEEP_BATCH = 200;

/** Move every request whose clock ran out at `now`; returns how many moved. Safe to run on several replicas. */
export async function expireDueRequests(deps: AccessDeps, now: Date): Promise<number> {
  let moved = 0;
  // Bounded: each round moves or skips the requests it read; a request another replica moved is skipped.
  for (let round = 0; round < 50; round++) {
    const due = await requestsDue(deps.db, now, SWEEP_BATCH);
    let progressed = 0;
    for (const id of due) {
      const request = await findRequest(deps.db, id);
      if (request === undefined) continue;
      const move = clockMove(request, now);
      if (move === null) continue;
      try {
        await deps.db.transaction().execute((trx) =>
          transition(trx, request, move.to, { ended_at: now, end_reason: move.reason }, { actor: SYSTEM, action: move.action, reason: move.reason }, now),
        );
      } catch (error) {
        if (error instanceof ApiError && error.statusCode === 409) continue;
        throw error;
      }
      progressed += 1;
      const after = (await findRequest(deps.db, id))!;
      if (move.to === 'expired') await notify(deps, { kind: 'expired', request: after, actor: 'system', reason: move.reason });
    }
    moved += progressed;
    if (due.length < SWEEP_BATCH || progressed === 0) break;
  }
  return moved;
}

function clockMove(r: AccessRequest, now: Date): { to: AccessState; action: string; reason: string } | null {
  const t = now.getTime();
  if (r.state === 'pending') {
    if (Date.parse(r.not_after) <= t) return { to: 'expired', action: 'access.expired', reason: 'window over before the quorum was reached' };
    if (Date.parse(r.review_deadline) <= t) return { to: 'expired', action: 'access.expired', reason: 'review deadline passed' };
    return null;
  }
  if (r.state === 'approved' || r.state === 'active') {
    if (Date.parse(r.not_after) <= t) return { to: 'closed', action: 'access.closed', reason: r.state === 'approved' ? 'window ended, never used' : 'window ended' };
    if (r.state === 'approved' && r.first_connect_deadline !== null && Date.parse(r.first_connect_deadline) <= t) {
      return { to: 'expired', action: 'access.expired', reason: 'no session before the first-connect deadline' };
    }
  }
  return null;
}
