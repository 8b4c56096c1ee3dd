// The waivers module (server/waivers/) on both databases: creation refuses what an RSSI could get
// wrong and journals what it records; revocation ends an active waiver at once, once, journalled;
// the listing says which waivers apply now.
import t from 'tap';
import { loadShippedPacks } from '../../../policies/pack.js';
import { waiverActive } from '../../../policies/waiver.js';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { createWaiver, endOfDayIn, parseScope, WaiverInputError } from '../../../server/waivers/create.js';
import { listWaiversAt, waiverState } from '../../../server/waivers/list.js';
import { revokeWaiver } from '../../../server/waivers/revoke.js';
import { ensureSite } from '../../../server/db/hosts.js';
import { DB_KINDS, openTestDatabase } from '../fixture.js';

const packs = loadShippedPacks();
const now = new Date('2026-03-02T09:00:00Z');
const actor = { type: 'user', id: 'rssi-1' } as const;
const context = { packs, now, timeZone: 'Europe/Paris', actor };
const request = { rule: 'BKP-01', scope: 'site:ch-a', justification: 'Replacement NAS ordered, delivery in March', approver: 'rssi', expires: '2026-03-31' };

t.test('scopes and expiry dates are parsed strictly', async (t) => {
  t.same(parseScope('host:h-1'), { host_id: 'h-1' });
  t.same(parseScope('site:ch-a'), { site: 'ch-a' });
  t.same(parseScope('role:server'), { role: 'server' });
  for (const bad of ['rack:12', 'role:toaster', 'site:a b', 'host:', 'site:<script>']) t.throws(() => parseScope(bad), WaiverInputError, bad);
  // Paris is UTC+1 in winter and UTC+2 in summer: the waiver ends at local midnight both times.
  t.equal(endOfDayIn('2026-01-15', 'Europe/Paris').toISOString(), '2026-01-15T22:59:59.999Z');
  t.equal(endOfDayIn('2026-07-15', 'Europe/Paris').toISOString(), '2026-07-15T21:59:59.999Z');
  t.throws(() => endOfDayIn('2026-02-30', 'Europe/Paris'), WaiverInputError);
  t.throws(() => endOfDayIn('31/03/2026', 'Europe/Paris'), WaiverInputError);
});

for (const kind of DB_KINDS) {
  t.test(`create, list and revoke on ${kind}`, async (t) => {
    const { db } = await openTestDatabase(t, kind);
    // A site exists once an enrollment token names it (ch-nowhere is named by none).
    await ensureSite(db, 'ch-a', now);

    for (const [bad, why] of [
      [{ rule: 'XXX-99' }, /not a rule of the loaded packs/],
      [{ scope: 'host:unknown-host' }, /no enrolled host/],
      [{ scope: 'site:ch-nowhere' }, /no site named "ch-nowhere"/],
      [{ scope: 'site-role:ch-nowhere/server' }, /no site named "ch-nowhere"/],
      [{ justification: '  short  ' }, /10 to 2000 characters/],
      [{ expires: '2026-03-01' }, /already past/],
      [{ expires: '2031-01-01' }, /time-boxed/],
    ] as const) {
      await t.rejects(createWaiver(db, { ...request, ...bad }, context), why, JSON.stringify(bad));
    }
    t.same(await listWaiversAt(db, now), [], 'a refused waiver stores nothing');
    t.same(await listAuditEntries(db, { limit: 10 }), [], 'and journals nothing');

    const waiver = await createWaiver(db, request, context);
    t.match(waiver.id, /^W-[0-9A-F]{8}$/);
    t.equal(waiver.expires_at, '2026-03-31T21:59:59.999Z', 'until the end of the day in Paris (summer time)');
    const [listed] = await listWaiversAt(db, now);
    t.match(listed, { id: waiver.id, scope_text: 'site:ch-a', active: true });
    t.equal(waiverState(waiver, now), 'active');
    t.equal(waiverState(waiver, new Date('2026-04-01T00:00:00Z')), 'expired');
    t.equal(waiverState(waiver, new Date('2026-01-01T00:00:00Z')), 'pending');

    const later = new Date(now.getTime() + 3_600_000);
    for (const reason of ['too short', ' '.repeat(20), 'x'.repeat(1001)]) {
      await t.rejects(revokeWaiver(db, waiver.id, { now: later, actor, reason }), { code: 'invalid_reason', message: /10 to 1000 characters/ }, `reason ${reason.length}`);
    }
    t.match(await revokeWaiver(db, waiver.id, { now: later, actor, reason: '  Replacement NAS delivered early.  ' }), { id: waiver.id, revoked_at: later.toISOString(), revoked_by: 'rssi-1' }, 'an active waiver is revoked');
    await t.rejects(
      revokeWaiver(db, waiver.id, { now: later, actor }),
      { name: 'WaiverRevokeError', code: 'waiver_already_revoked', message: `waiver ${waiver.id} was already revoked on ${later.toISOString()} by rssi-1` },
      'a revoked waiver cannot be revoked again, and the refusal says when and by whom',
    );
    await t.rejects(revokeWaiver(db, 'W-00000000', { now: later, actor }), { code: 'waiver_not_found', message: 'no waiver W-00000000' }, 'nor an unknown one');
    const [ended] = await listWaiversAt(db, later);
    t.match(ended, { id: waiver.id, active: false, justification: request.justification }, 'the row stays, no longer active');
    t.match(
      ended,
      { state: 'revoked', revoked_at: later.toISOString(), revoked_by: 'rssi-1', expires_at: '2026-03-31T21:59:59.999Z' },
      'revoked records when and by whom; the signed expiry is not moved',
    );
    t.equal(waiverState(ended!, later), 'revoked');
    t.equal(waiverState(ended!, new Date('2026-04-01T00:00:00Z')), 'revoked', 'still revoked (not "expired") after its last day');
    t.equal(waiverActive(ended!, now), true, 'before the revocation it applied: an audit of that time still shows it');

    const lapsed = await createWaiver(db, { ...request, rule: 'BKP-02' }, context);
    await t.rejects(
      revokeWaiver(db, lapsed.id, { now: new Date('2026-04-01T00:00:00Z'), actor }),
      { code: 'waiver_expired', message: `waiver ${lapsed.id} expired on 2026-03-31T21:59:59.999Z: it no longer applies, there is nothing to revoke` },
      'an expired waiver is not revoked',
    );
    const stillExpired = (await listWaiversAt(db, new Date('2026-04-01T00:00:00Z'))).find((w) => w.id === lapsed.id);
    t.match(stillExpired, { id: lapsed.id, state: 'expired' });
    t.equal(stillExpired?.revoked_at, undefined, 'and carries no revocation');

    const entries = await listAuditEntries(db, { limit: 10 });
    t.same(
      entries.map((e) => [e.action, e.target, e.actor.id]).sort(),
      [
        ['waiver.created', `waiver:${lapsed.id}`, 'rssi-1'],
        ['waiver.created', `waiver:${waiver.id}`, 'rssi-1'],
        ['waiver.revoked', `waiver:${waiver.id}`, 'rssi-1'],
      ].sort(),
      'one entry per change, none for the refusals',
    );
    t.same(entries.find((e) => e.action === 'waiver.revoked')?.details, { rule_id: 'BKP-01', scope: 'site:ch-a', reason: 'Replacement NAS delivered early.' }, 'the reason, trimmed, is journalled');
    t.match(await verifyAuditLog(db), { ok: true });
  });
}
