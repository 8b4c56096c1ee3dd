// Recording retention on the real store (both databases), with requests moved by the access
// module's own transitions (reviews with TOTP step-up, the access clock, revoke, countersignature):
// a recording goes only after its retention AND its request's, never while its request is open,
// never while an emergency waits for its countersignature, never when its request is unknown.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FINAL_STATES } from '../../../server/access/model.js';
import { createRequest, expireDueRequests, markGrantActive, reviewRequest, revokeRequest } from '../../../server/access/transitions.js';
import { applyRecordingRetention, recordingRetentionOf } from '../../../server/bastion/retention.js';
import { endBastionSession, findBastionSession, FINAL_REQUEST_STATES, insertBastionSession, requestRetentionFacts } from '../../../server/db/bastion-sessions.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, type AccessWorld, type Person } from '../access/helpers.js';

const DAY = 86_400_000;
const RETENTION_DAYS = 30;
const IP = '198.51.100.9';

t.test('the store and the access model agree on which request states are final', async (t) => {
  t.same([...FINAL_REQUEST_STATES].sort(), [...FINAL_STATES].sort());
});

for (const kind of DB_KINDS) {
  t.test(`recording retention (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const recordings = mkdtempSync(join(tmpdir(), 'vigie-retention-'));
    t.teardown(() => rmSync(recordings, { recursive: true, force: true }));
    const t0 = w.clock.at.getTime();
    const at = (ms: number) => new Date(t0 + ms);
    const review = (who: Person, requestId: string, decision: 'approve' | 'countersign') =>
      reviewRequest(w.deps, who, requestId, { decision, comment: `${decision} ok`, totp_code: w.code(who) }, IP, w.clock.at);

    let sessions = 0;
    /** A session of `requestId` from `fromMs` to `toMs`, its recording folder on disk, ended with retain_until = end + retention. */
    async function session(requestId: string, fromMs: number, toMs: number): Promise<string> {
      sessions += 1;
      const id = `00000000-0000-4000-8000-${String(sessions).padStart(12, '0')}`;
      await insertBastionSession(w.db, {
        session_id: id, grant_id: requestId, request_id: requestId, user_id: w.people.vendor.user_id, username: 'jdupont', target_id: w.target.target_id,
        target_name: w.target.name, source_ip: IP, replica: 'test', started_at: at(fromMs), not_after: at(toMs + 3600_000), recording_dir: id, input_recorded: true,
      });
      mkdirSync(join(recordings, id));
      writeFileSync(join(recordings, id, 'ch1-shell.cast'), '{"version":2,"width":80,"height":24}\n');
      await endBastionSession(w.db, id, {
        ended_at: at(toMs), end_reason: 'client_closed', bytes_from_client: 1, bytes_to_client: 1, manifest_sha256: 'm', signed_sha256: 's',
        retain_until: at(toMs + RETENTION_DAYS * DAY),
      });
      return id;
    }
    const kept = (id: string) => existsSync(join(recordings, id));
    const sweep = (ms: number) => applyRecordingRetention(w.db, recordings, at(ms), RETENTION_DAYS);

    // A: a normal request, approved (rssi + biomedical), two sessions in its 2-hour window, closed by the access clock.
    const normal = await createRequest(w.deps, w.people.vendor, { target: w.target.name, not_before: at(0).toISOString(), not_after: at(2 * 3600_000).toISOString(), reason: 'Mise à jour logicielle', ticket: 'INC-2026-0100' }, w.clock.at);
    await review(w.people.rssi, normal.request_id, 'approve');
    await review(w.people.bio, normal.request_id, 'approve');
    await markGrantActive(w.deps, normal.request_id, 'first', at(60_000));
    const a1 = await session(normal.request_id, 60_000, 10 * 60_000);
    const a2 = await session(normal.request_id, 3600_000, 3600_000 + 20 * 60_000);

    // B: an emergency, approved by one biomedical engineer, used, then revoked; countersigned much later.
    w.clock.advance(1000);
    const emergency = await createRequest(w.deps, w.people.colleague, { target: w.target.name, emergency: true, not_after: at(90 * 60_000).toISOString(), reason: 'Panne IRM, patients en attente', ticket: 'INC-2026-0101' }, w.clock.at);
    await review(w.people.bio2, emergency.request_id, 'approve');
    const b1 = await session(emergency.request_id, 2 * 60_000, 30 * 60_000);
    await revokeRequest(w.deps, w.people.rssi2, emergency.request_id, 'Intervention terminée', at(31 * 60_000));

    // C: a session whose request is unknown (nothing ties it to a decision).
    const c1 = await session('no-such-request', 0, 5 * 60_000);

    // Past every session's own retain_until, the request A is still open (the clock has not closed it): everything kept.
    t.equal(await sweep(RETENTION_DAYS * DAY + 3 * 3600_000), 0);
    t.ok(kept(a1) && kept(a2) && kept(b1) && kept(c1));
    let facts = await requestRetentionFacts(w.db, [normal.request_id, emergency.request_id]);
    const a1Row = (await findBastionSession(w.db, a1))!;
    t.same(recordingRetentionOf(a1Row, facts.get(normal.request_id), RETENTION_DAYS), { deletableAfter: null, heldBy: 'request_open' });
    t.same(recordingRetentionOf(a1Row, undefined, RETENTION_DAYS), { deletableAfter: null, heldBy: 'request_missing' });
    t.same(recordingRetentionOf((await findBastionSession(w.db, b1))!, facts.get(emergency.request_id), RETENTION_DAYS), { deletableAfter: null, heldBy: 'emergency_not_countersigned' });

    // The access clock closes A at its window's end (it ran 5 minutes late): the request's retention runs from then.
    t.equal(await expireDueRequests(w.deps, at(2 * 3600_000 + 5 * 60_000)), 1);
    facts = await requestRetentionFacts(w.db, [normal.request_id]);
    t.match(facts.get(normal.request_id), { state: 'closed', ended_at: at(2 * 3600_000 + 5 * 60_000).toISOString() });
    const requestUntil = 2 * 3600_000 + 5 * 60_000 + RETENTION_DAYS * DAY;
    t.same(recordingRetentionOf(a1Row, facts.get(normal.request_id), RETENTION_DAYS), { deletableAfter: at(requestUntil).toISOString(), heldBy: null });
    // a1's own retention ended 30 days after 00:10; the request's ends 30 days after 02:05: not before.
    t.equal(await sweep(requestUntil - 60_000), 0, 'not before the request retention');
    t.ok(kept(a1) && kept(a2));
    t.equal(await sweep(requestUntil + 60_000), 2, 'both sessions of A go together, after the request retention');
    t.notOk(kept(a1) || kept(a2));
    t.ok(kept(b1), 'the emergency, not countersigned, stays');
    t.ok(kept(c1), 'the session of an unknown request stays');

    // B is countersigned 40 days later (late, an audit finding, but signed): its recordings may now go.
    w.clock.advance(40 * DAY);
    await review(w.people.rssi, emergency.request_id, 'countersign');
    t.equal(await sweep(41 * DAY), 1);
    t.notOk(kept(b1));
    t.ok(kept(c1));

    const rowA = (await findBastionSession(w.db, a1))!;
    t.ok(rowA.recording_deleted_at, 'the row stays, marked');
    t.equal(rowA.signed_sha256, 's', 'its signed hash stays');
    const deletions = await w.db.selectFrom('audit_log').select(['target', 'details']).where('action', '=', 'bastion.recording_deleted').orderBy('seq').execute();
    t.same(deletions.map((d) => d.target).sort(), [a1, a2, b1].map((id) => `bastion_session:${id}`).sort(), 'three audited deletions');
    t.match(JSON.parse(deletions[0]!.details), { request_id: normal.request_id, retention_days: RETENTION_DAYS });
  });
}
