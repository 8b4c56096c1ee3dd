// Every transition and every refusal of an access request, on both databases: self-approval
// (admin too), double review, quorum reached and not, deny wins, shortened window and refused
// extension, stale and replayed TOTP, deadline expiry with a pinned clock, the posture gate's
// refusal and override, emergency and its countersignature, cancel and revoke, the audit trail.
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { findGrant, grantInForce, nextApprovedWindow } from '../../../server/access/grant-lookup.js';
import { checkPostureGate } from '../../../server/access/posture-gate.js';
import { listReviews } from '../../../server/access/requests-store.js';
import {
  cancelRequest,
  createRequest,
  expireDueRequests,
  markGrantActive,
  reviewRequest,
  revokeRequest,
  visibleRequest,
} from '../../../server/access/transitions.js';
import { ApiError } from '../../../server/errors.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, DEVICE_SECRET, windowFrom, type AccessWorld, type Person } from './helpers.js';

const IP = '198.51.100.7';

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return { status: error.statusCode, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

function ask(w: AccessWorld, who: Person = w.people.vendor, extra: Partial<Parameters<typeof createRequest>[2]> = {}) {
  return createRequest(w.deps, who, { target: w.target.name, ...windowFrom(w.clock, 60, 2), reason: 'Remplacement bobine gradient', ticket: 'INC-2026-0042', ...extra }, w.clock.at);
}

function review(w: AccessWorld, who: Person, requestId: string, decision: 'approve' | 'deny' | 'countersign', extra: Record<string, string> = {}) {
  return reviewRequest(w.deps, who, requestId, { decision, comment: extra.comment ?? `${decision} ok`, totp_code: extra.totp_code ?? w.code(who), ...extra }, IP, w.clock.at);
}

async function auditOf(w: AccessWorld, requestId: string) {
  return (await listAuditEntries(w.db, { limit: 1000 })).filter((e) => e.target === `access_request:${requestId}`).reverse();
}

for (const kind of DB_KINDS) {
  t.test(`access transitions (${kind})`, async (t) => {
    t.test('quorum: one approval is not enough, rssi + biomedical approve it; the grant is found', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      t.equal(request.state, 'pending');
      t.equal(request.review_deadline, new Date(w.clock.at.getTime() + 24 * 3600_000).toISOString() < request.not_after ? new Date(w.clock.at.getTime() + 24 * 3600_000).toISOString() : request.not_after);
      const first = await review(w, w.people.rssi, request.request_id, 'approve');
      t.equal(first.request.state, 'pending', 'one rssi of rssi + biomedical: still pending');
      t.same([first.quorum.have_total, first.quorum.needed_total], [1, 2]);
      t.ok(first.posture?.ok, 'the healthy gateway passes the gate');
      const second = await review(w, w.people.rssi2, request.request_id, 'approve').catch(() => null);
      t.equal(second?.request.state, 'pending', 'a second rssi does not stand in for the biomedical engineer');
      const third = await review(w, w.people.bio, request.request_id, 'approve');
      t.equal(third.request.state, 'approved');
      t.ok(third.request.decided_at);
      t.equal(await findGrant(w.db, w.people.vendor.user_id, w.target.target_id, w.clock.at), undefined, 'the window has not opened yet');
      const next = await nextApprovedWindow(w.db, w.people.vendor.user_id, w.target.target_id, w.clock.at);
      t.equal(next?.not_before, request.not_before, 'the next approved window is announced');
      w.clock.advance(61 * 60_000);
      const grant = await findGrant(w.db, w.people.vendor.user_id, w.target.target_id, w.clock.at);
      t.equal(grant?.request_id, request.request_id, 'inside its window the grant is found');
      t.equal(await findGrant(w.db, w.people.colleague.user_id, w.target.target_id, w.clock.at), undefined, 'not for a colleague');
      const active = await markGrantActive(w.deps, request.request_id, 'session-1', w.clock.at);
      t.equal(active.state, 'active');
      t.equal((await markGrantActive(w.deps, request.request_id, 'session-2', w.clock.at)).state, 'active', 'a second session changes nothing');
      w.clock.at = new Date(request.not_after);
      t.equal(await findGrant(w.db, w.people.vendor.user_id, w.target.target_id, w.clock.at), undefined, 'the end is exclusive');
      t.equal(await expireDueRequests(w.deps, w.clock.at), 1);
      const closed = await visibleRequest(w.db, w.people.rssi, request.request_id);
      t.equal(closed.state, 'closed');
      const trail = await auditOf(w, request.request_id);
      t.same(
        trail.map((e) => [e.action, e.details.from, e.details.to]),
        [
          ['access.requested', null, 'pending'],
          ['access.review_approved', 'pending', 'pending'],
          ['access.review_approved', 'pending', 'pending'],
          ['access.approved', 'pending', 'approved'],
          ['access.activated', 'approved', 'active'],
          ['access.closed', 'active', 'closed'],
        ],
      );
      t.same(trail[3]?.actor, { type: 'user', id: 'bio-claire' });
      t.same(trail[5]?.actor, { type: 'system', id: 'access-clock' });
      t.ok(trail.every((e) => 'window_after' in e.details && 'window_before' in e.details), 'every entry has the window before and after');
      t.ok((await verifyAuditLog(w.db)).ok);
    });

    t.test('no self-approval whatever the role, admin included', async (t) => {
      const w = await accessWorld(t, kind);
      for (const who of [w.people.admin, w.people.rssi, w.people.bio]) {
        const own = await ask(w, who);
        t.same(await refusal(review(w, who, own.request_id, 'approve')), { status: 403, code: 'self_approval', message: 'You cannot review your own request.' }, who.role);
        t.equal((await listReviews(w.db, own.request_id)).length, 0);
      }
      const trail = (await listAuditEntries(w.db, { limit: 100, action: 'access.review_refused' })).map((e) => e.details.reason);
      t.same(trail, ['self_approval', 'self_approval', 'self_approval']);
    });

    t.test('one review per user; non-reviewers refused', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      await review(w, w.people.rssi, request.request_id, 'approve');
      w.clock.advance(30_000);
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve'))).code, 'already_reviewed');
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'deny'))).code, 'already_reviewed', 'nor change one\'s mind into a deny');
      for (const who of [w.people.tech, w.people.auditor, w.people.colleague]) {
        const r = await refusal(review(w, who, request.request_id, 'approve'));
        t.equal(r.code, who.role === 'vendor' ? 'not_found' : 'not_a_reviewer', who.role);
      }
    });

    t.test('deny wins: one deny ends the request, even after approvals', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      await review(w, w.people.rssi, request.request_id, 'approve');
      t.equal((await refusal(review(w, w.people.bio, request.request_id, 'deny', { comment: '' }))).code, 'comment_required');
      w.clock.advance(30_000);
      const denied = await review(w, w.people.bio, request.request_id, 'deny', { comment: 'Intervention non planifiée avec le service' });
      t.equal(denied.request.state, 'denied');
      t.equal(denied.request.end_reason, 'Intervention non planifiée avec le service');
      t.equal((await refusal(review(w, w.people.bio2, request.request_id, 'approve'))).code, 'not_pending', 'no transition out of denied');
      t.equal((await refusal(cancelRequest(w.deps, w.people.vendor, request.request_id, 'x', w.clock.at))).code, 'invalid_transition');
    });

    t.test('reviewers shorten the window or start it later, never extend it', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      const later = new Date(Date.parse(request.not_before) + 15 * 60_000).toISOString();
      const earlier = new Date(Date.parse(request.not_after) - 30 * 60_000).toISOString();
      const before = new Date(Date.parse(request.not_before) - 60_000).toISOString();
      const beyond = new Date(Date.parse(request.not_after) + 60_000).toISOString();
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve', { not_before: before }))).code, 'window_extension_refused');
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve', { not_after: beyond }))).code, 'window_extension_refused');
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve', { not_before: earlier, not_after: later }))).code, 'invalid_window');
      const first = await review(w, w.people.rssi, request.request_id, 'approve', { not_before: later });
      t.equal(first.request.not_before, later, 'the start moved later');
      t.equal(first.request.requested_not_before, request.not_before, 'what was asked is kept');
      t.equal((await refusal(review(w, w.people.bio, request.request_id, 'approve', { not_before: request.not_before }))).code, 'window_extension_refused', 'the next reviewer cannot undo it');
      const second = await review(w, w.people.bio, request.request_id, 'approve', { not_after: earlier });
      t.same([second.request.state, second.request.not_before, second.request.not_after], ['approved', later, earlier]);
      const approved = (await auditOf(w, request.request_id)).find((e) => e.action === 'access.approved');
      t.same(approved?.details.window_before, { not_before: later, not_after: request.not_after });
      t.same(approved?.details.window_after, { not_before: later, not_after: earlier });
    });

    t.test('stale, wrong and replayed TOTP codes are refused and throttled like logins', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      const stale = (await import('../../../server/auth/totp.js')).totpCode(w.people.rssi.secret, new Date(w.clock.at.getTime() - 5 * 60_000));
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve', { totp_code: stale }))).code, 'invalid_totp', 'a code of 5 minutes ago');
      const code = w.code(w.people.rssi);
      await review(w, w.people.rssi, request.request_id, 'approve', { totp_code: code });
      // The biomedical engineer's code was used to log in at this step already (shared replay guard).
      const other = await ask(w, w.people.colleague);
      t.equal((await refusal(review(w, w.people.rssi, other.request_id, 'approve', { totp_code: code }))).code, 'invalid_totp', 'the same code again: replay');
      t.equal((await refusal(review(w, w.people.rssi, other.request_id, 'approve', { totp_code: '000000' }))).code, 'invalid_totp');
      const locked = await refusal(review(w, w.people.rssi, other.request_id, 'approve'));
      t.equal(locked.status, 429, 'three failures lock the account like a login would');
      t.equal(locked.code, 'step_up_locked');
      t.equal((await listReviews(w.db, other.request_id)).length, 0, 'nothing recorded');
      const failures = await listAuditEntries(w.db, { limit: 10, action: 'access.step_up_failed' });
      t.same(failures.map((e) => e.details.reason).reverse(), ['wrong_or_replayed_totp', 'wrong_or_replayed_totp', 'wrong_or_replayed_totp', 'locked']);
      const login = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'rssi-anne', password: 'correct horse battery staple', totp_code: w.code(w.people.rssi) } });
      t.equal(login.statusCode, 429, 'the web login is locked too: one throttle');
    });

    t.test('review deadline expiry with a pinned clock; window over before approval', async (t) => {
      const w = await accessWorld(t, kind);
      const far = await ask(w, w.people.vendor, windowFrom(w.clock, 48 * 60, 2));
      const soon = await ask(w, w.people.colleague, windowFrom(w.clock, 10, 1));
      t.equal(far.review_deadline, new Date(w.clock.at.getTime() + 24 * 3600_000).toISOString(), 'default deadline 24 h');
      t.equal(soon.review_deadline, soon.not_after, 'never past the window end');
      w.clock.advance(70 * 60_000 - 1);
      t.equal(await expireDueRequests(w.deps, w.clock.at), 0, 'one millisecond before: nothing moves');
      w.clock.advance(1);
      t.equal(await expireDueRequests(w.deps, w.clock.at), 1);
      t.equal((await visibleRequest(w.db, w.people.rssi, soon.request_id)).state, 'expired');
      w.clock.at = new Date(far.review_deadline);
      t.equal(await expireDueRequests(w.deps, w.clock.at), 1);
      const expired = await visibleRequest(w.db, w.people.rssi, far.request_id);
      t.same([expired.state, expired.end_reason], ['expired', 'review deadline passed']);
      t.equal((await refusal(review(w, w.people.rssi, far.request_id, 'approve'))).code, 'not_pending');
      t.equal(await expireDueRequests(w.deps, w.clock.at), 0, 'idempotent');
    });

    t.test('posture gate: refusal naming the rules, override with justification and one approver more', async (t) => {
      const w = await accessWorld(t, kind);
      const gate = await checkPostureGate(w.deps, w.failingGateway.host_id, w.clock.at);
      t.notOk(gate.ok);
      t.same(gate.failing.map((f) => f.rule_id), ['TMA-05']);
      const request = await ask(w, w.people.vendor, { target: w.failingTarget.name });
      const refused = await refusal(review(w, w.people.rssi, request.request_id, 'approve'));
      t.equal(refused.status, 409);
      t.equal(refused.code, 'posture_gate_failed');
      t.match(refused.message, /TMA-05 \(fail\)/);
      t.equal((await listReviews(w.db, request.request_id)).length, 0);
      w.clock.advance(30_000);
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve', { override_justification: 'court' }))).code, 'posture_gate_failed', 'a justification of a word is not one');
      w.clock.advance(30_000);
      const first = await review(w, w.people.rssi, request.request_id, 'approve', { override_justification: 'Panne IRM, patients en attente ; tunnel chiffré rétabli demain' });
      t.equal(first.request.posture_override?.by, 'rssi-anne');
      t.same(first.request.posture_override?.failing_rules, ['TMA-05']);
      t.equal(first.quorum.needed_total, 3, 'one approver more than the quorum');
      const second = await review(w, w.people.bio, request.request_id, 'approve');
      t.equal(second.request.state, 'pending', 'rssi + biomedical is not enough once overridden');
      const third = await review(w, w.people.admin, request.request_id, 'approve');
      t.equal(third.request.state, 'approved');
      w.clock.advance(61 * 60_000);
      t.equal((await findGrant(w.db, w.people.vendor.user_id, w.failingTarget.target_id, w.clock.at))?.posture_override, true, 'the grant says it was overridden');
      const healthy = await checkPostureGate(w.deps, w.gateway.host_id, w.clock.at);
      t.ok(healthy.ok, 'the healthy gateway passes');
      t.ok(healthy.gate_rules > 5);
      w.clock.advance(25 * 3600_000);
      const stale = await checkPostureGate(w.deps, w.gateway.host_id, w.clock.at);
      t.same([stale.ok, stale.problem?.code], [false, 'report_stale'], 'a report older than the pack allows closes the gate');
      const unknown = await checkPostureGate(w.deps, '00000000-0000-4000-8000-000000000000', w.clock.at);
      t.same([unknown.ok, unknown.problem?.code], [false, 'unknown_gateway']);
    });

    t.test('emergency: starts now, at most 2 h, one approver, countersigned by another', async (t) => {
      const w = await accessWorld(t, kind);
      t.equal((await refusal(ask(w, w.people.vendor, { emergency: true, ...windowFrom(w.clock, 0, 3) }))).code, 'window_too_long');
      t.equal((await refusal(ask(w, w.people.vendor, { emergency: true, ...windowFrom(w.clock, 30, 1) }))).code, 'emergency_starts_now');
      const request = await ask(w, w.people.vendor, { emergency: true, not_before: undefined, not_after: new Date(w.clock.at.getTime() + 90 * 60_000).toISOString() });
      t.same([request.emergency, request.not_before, request.quorum], [true, w.clock.at.toISOString(), {}]);
      const approved = await review(w, w.people.bio, request.request_id, 'approve');
      t.equal(approved.request.state, 'approved', 'one approver suffices');
      t.ok(await findGrant(w.db, w.people.vendor.user_id, w.target.target_id, w.clock.at), 'open at once');
      t.equal((await refusal(review(w, w.people.bio, request.request_id, 'countersign'))).code, 'already_reviewed', 'not by the approver');
      t.equal((await refusal(review(w, w.people.vendor, request.request_id, 'countersign'))).code, 'not_a_reviewer');
      const normal = await ask(w, w.people.colleague);
      t.equal((await refusal(review(w, w.people.rssi, normal.request_id, 'countersign'))).code, 'not_emergency');
      w.clock.advance(60_000);
      const signed = await review(w, w.people.rssi, request.request_id, 'countersign', { comment: 'Vu, panne confirmée' });
      t.same([signed.request.countersigned_by, signed.request.state], ['rssi-anne', 'approved']);
      w.clock.advance(60_000);
      t.equal((await refusal(review(w, w.people.rssi2, request.request_id, 'countersign'))).code, 'already_countersigned');
    });

    t.test('cancel by the requester only; revoke by reviewers; no move out of a final state', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      t.equal((await refusal(cancelRequest(w.deps, w.people.colleague, request.request_id, 'x', w.clock.at))).code, 'not_found', 'a colleague vendor does not see it');
      t.equal((await refusal(cancelRequest(w.deps, w.people.otherVendor, request.request_id, 'x', w.clock.at))).code, 'not_found', 'another vendor gets 404');
      t.equal((await refusal(cancelRequest(w.deps, w.people.rssi, request.request_id, 'x', w.clock.at))).code, 'not_requester');
      const cancelled = await cancelRequest(w.deps, w.people.vendor, request.request_id, 'Intervention reportée', w.clock.at);
      t.equal(cancelled.state, 'cancelled');
      t.equal((await refusal(review(w, w.people.rssi, request.request_id, 'approve'))).code, 'not_pending');

      const granted = await ask(w);
      await review(w, w.people.rssi, granted.request_id, 'approve');
      await review(w, w.people.bio, granted.request_id, 'approve');
      t.equal((await refusal(revokeRequest(w.deps, w.people.vendor, granted.request_id, 'x', w.clock.at))).code, 'forbidden');
      t.equal((await refusal(revokeRequest(w.deps, w.people.rssi2, granted.request_id, '', w.clock.at))).code, 'reason_required');
      w.clock.advance(61 * 60_000);
      await markGrantActive(w.deps, granted.request_id, 's-1', w.clock.at);
      const revoked = await revokeRequest(w.deps, w.people.rssi2, granted.request_id, 'Comportement suspect', w.clock.at);
      t.equal(revoked.state, 'revoked');
      t.equal(await grantInForce(w.db, granted.request_id, w.clock.at), undefined, 'the bastion sees the revoke at its next poll');
      t.equal((await refusal(revokeRequest(w.deps, w.people.rssi, granted.request_id, 'again', w.clock.at))).code, 'invalid_transition');
      t.equal((await refusal(markGrantActive(w.deps, granted.request_id, 's-2', w.clock.at))).code, 'invalid_transition');
    });

    t.test('requests are checked: target visibility, window length, ticket, reason', async (t) => {
      const w = await accessWorld(t, kind);
      t.equal((await refusal(ask(w, w.people.otherVendor))).code, 'unknown_target', 'a vendor not allowed on the target does not learn it exists');
      t.equal((await refusal(ask(w, w.people.auditor))).code, 'forbidden');
      t.equal((await refusal(ask(w, w.people.vendor, windowFrom(w.clock, 0, 9)))).code, 'window_too_long');
      t.equal((await refusal(ask(w, w.people.vendor, windowFrom(w.clock, -10, 1)))).code, 'window_in_past');
      t.equal((await refusal(ask(w, w.people.vendor, { ticket: 'bad ticket; drop' }))).code, 'invalid_ticket');
      t.equal((await refusal(ask(w, w.people.vendor, { reason: ' ' }))).code, 'reason_required');
    });

    t.test('the device credential is in no audit entry and no log line', async (t) => {
      const w = await accessWorld(t, kind);
      const request = await ask(w);
      await review(w, w.people.rssi, request.request_id, 'approve');
      await review(w, w.people.bio, request.request_id, 'approve');
      const entries = await listAuditEntries(w.db, { limit: 1000 });
      t.ok(entries.some((e) => e.action === 'access_target.created'));
      t.notOk(JSON.stringify(entries).includes(DEVICE_SECRET), 'not in the audit log');
      t.ok(w.logs.length > 0);
      t.notOk(w.logs.join('\n').includes(DEVICE_SECRET), 'not in the logs');
      const stored = await w.db.selectFrom('access_targets').select('device_credential').execute();
      t.ok(stored.every((r) => r.device_credential.startsWith('v1.') && !r.device_credential.includes(DEVICE_SECRET)), 'sealed at rest');
    });
  });
}
