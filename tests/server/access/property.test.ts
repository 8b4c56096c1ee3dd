// Property-based: random sequences of actions (ask, approve with random windows, deny, countersign,
// cancel, revoke, first session, time passing, sweeps) by random people, with the invariants
// checked against the database after every step: no grant without its quorum, no self-approval,
// no window longer than (or outside) the one asked, no transition out of a final state.
import fc from 'fast-check';
import t from 'tap';
import { FINAL_STATES, type AccessRequest } from '../../../server/access/model.js';
import { listRequests, listReviews } from '../../../server/access/requests-store.js';
import { quorumProgress } from '../../../server/access/review-rules.js';
import { cancelRequest, createRequest, expireDueRequests, markGrantActive, reviewRequest, revokeRequest } from '../../../server/access/transitions.js';
import { ApiError } from '../../../server/errors.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, type AccessWorld, type Person } from './helpers.js';

const PEOPLE = ['vendor', 'colleague', 'otherVendor', 'rssi', 'rssi2', 'bio', 'bio2', 'admin', 'tech'] as const;

const action = fc.oneof(
  fc.record({ kind: fc.constant('ask' as const), who: fc.constantFrom(...PEOPLE), startMin: fc.integer({ min: 0, max: 120 }), hours: fc.integer({ min: 1, max: 4 }), emergency: fc.boolean() }),
  fc.record({
    kind: fc.constant('review' as const),
    who: fc.constantFrom(...PEOPLE),
    pick: fc.nat(),
    decision: fc.constantFrom('approve' as const, 'approve' as const, 'deny' as const, 'countersign' as const),
    shiftStartMin: fc.integer({ min: -30, max: 60 }),
    shiftEndMin: fc.integer({ min: -60, max: 30 }),
  }),
  fc.record({ kind: fc.constant('cancel' as const), who: fc.constantFrom(...PEOPLE), pick: fc.nat() }),
  fc.record({ kind: fc.constant('revoke' as const), who: fc.constantFrom(...PEOPLE), pick: fc.nat() }),
  fc.record({ kind: fc.constant('session' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 180 }) }),
);

async function all(w: AccessWorld): Promise<AccessRequest[]> {
  return listRequests(w.db, { limit: 1000 });
}

for (const kind of DB_KINDS) {
  t.test(`random action sequences keep the invariants (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const seen = new Map<string, AccessRequest>();
    let steps = 0;
    let moves = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 25 }), async (actions) => {
        for (const a of actions) {
          // TOTP steps are single-use: every action happens in its own 30-second step.
          w.clock.advance(31_000);
          const before = await all(w);
          const pick = (n: number) => (before.length === 0 ? undefined : before[n % before.length]);
          try {
            if (a.kind === 'ask') {
              const who: Person = w.people[a.who];
              const start = w.clock.at.getTime() + a.startMin * 60_000;
              await createRequest(
                w.deps,
                who,
                { target: w.target.name, not_before: new Date(start).toISOString(), not_after: new Date(start + a.hours * 3600_000).toISOString(), reason: 'Maintenance préventive', ticket: 'PM-001', emergency: a.emergency },
                w.clock.at,
              );
            } else if (a.kind === 'review') {
              const r = pick(a.pick);
              if (r === undefined) continue;
              const who = w.people[a.who];
              await reviewRequest(
                w.deps,
                who,
                r.request_id,
                {
                  decision: a.decision,
                  comment: 'avis',
                  totp_code: w.code(who),
                  not_before: new Date(Date.parse(r.not_before) + a.shiftStartMin * 60_000).toISOString(),
                  not_after: new Date(Date.parse(r.not_after) + a.shiftEndMin * 60_000).toISOString(),
                },
                '192.0.2.1',
                w.clock.at,
              );
            } else if (a.kind === 'cancel' || a.kind === 'revoke') {
              const r = pick(a.pick);
              if (r === undefined) continue;
              const who = w.people[a.who];
              if (a.kind === 'cancel') await cancelRequest(w.deps, who, r.request_id, 'plus besoin', w.clock.at);
              else await revokeRequest(w.deps, who, r.request_id, 'révoqué', w.clock.at);
            } else if (a.kind === 'session') {
              const r = pick(a.pick);
              if (r === undefined) continue;
              await markGrantActive(w.deps, r.request_id, `s-${steps}`, w.clock.at);
            } else {
              w.clock.advance(a.minutes * 60_000);
              await expireDueRequests(w.deps, w.clock.at);
            }
          } catch (error) {
            // Refusals are expected; anything else is a bug.
            if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
          }
          steps += 1;
          // ---- invariants, on what the database holds now
          for (const r of await all(w)) {
            const previous = seen.get(r.request_id);
            if (previous !== undefined && FINAL_STATES.has(previous.state)) {
              if (r.state !== previous.state || r.not_before !== previous.not_before || r.not_after !== previous.not_after) throw new Error(`${r.request_id} left final state ${previous.state} for ${r.state}`);
            }
            if (previous !== undefined && previous.state !== r.state) moves += 1;
            seen.set(r.request_id, r);
            if (Date.parse(r.not_before) < Date.parse(r.requested_not_before) || Date.parse(r.not_after) > Date.parse(r.requested_not_after)) {
              throw new Error(`${r.request_id}: window ${r.not_before}..${r.not_after} outside the one asked`);
            }
            if (Date.parse(r.not_after) <= Date.parse(r.not_before)) throw new Error(`${r.request_id}: empty window`);
            const reviews = await listReviews(w.db, r.request_id);
            if (reviews.some((v) => v.reviewer_id === r.requester_id)) throw new Error(`${r.request_id}: self-review`);
            if (new Set(reviews.map((v) => v.reviewer_id)).size !== reviews.length) throw new Error(`${r.request_id}: two reviews by one person`);
            if (r.decided_at !== null && r.state !== 'denied') {
              const approvals = reviews.filter((v) => v.decision === 'approve' && Date.parse(v.created_at) <= Date.parse(r.decided_at!));
              const progress = quorumProgress(r.quorum, approvals.map((v) => v.reviewer_role), r.posture_override !== null);
              if (!progress.reached) throw new Error(`${r.request_id}: ${r.state} without its quorum`);
            }
            if ((r.state === 'approved' || r.state === 'active') && r.decided_at === null) throw new Error(`${r.request_id}: a grant never decided`);
            if (r.state === 'denied' && !reviews.some((v) => v.decision === 'deny')) throw new Error(`${r.request_id}: denied without a deny`);
          }
        }
      }),
      { numRuns: 12, seed: 20261207, endOnFailure: true },
    );
    t.ok(steps > 50, `${steps} actions run`);
    t.ok(moves > 5, `${moves} state changes observed`);
  });
}
