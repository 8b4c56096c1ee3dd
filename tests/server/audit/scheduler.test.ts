// The audit job's schedule: slots in the configured time zone, two replicas on one database run a
// slot once, a missed slot is caught up at start, and the SQLite lease lapses after a crash.
import t from 'tap';
import { acquireLease, releaseLease, withJobLock } from '../../../server/audit/lock.js';
import { previousSlot, runAuditJob, startAuditScheduler } from '../../../server/audit/scheduler.js';
import { listAudits } from '../../../server/db/audits.js';
import { openDatabase } from '../../../server/db/database.js';
import { DB_KINDS, TEST_NOW, testApp } from '../fixture.js';
import { auditDeps, enroll, HOUR, movableClock, reportAt, send } from './helpers.js';

t.test('previous slot of the default schedule, in Europe/Paris', async (t) => {
  // 02:00 in Paris is 00:00 UTC in summer (CEST) and 01:00 UTC in winter (CET).
  t.equal(previousSlot('0 2 * * *', 'Europe/Paris', new Date('2025-06-02T08:01:00Z'))?.toISOString(), '2025-06-02T00:00:00.000Z');
  t.equal(previousSlot('0 2 * * *', 'Europe/Paris', new Date('2025-01-15T00:30:00Z'))?.toISOString(), '2025-01-14T01:00:00.000Z');
  t.equal(previousSlot('0 2 * * *', 'Europe/Paris', new Date('2025-01-15T01:00:00Z'))?.toISOString(), '2025-01-15T01:00:00.000Z', 'the slot itself counts');
  t.equal(previousSlot('30 4 * * 1', 'UTC', new Date('2025-06-05T00:00:00Z'))?.toISOString(), '2025-06-02T04:30:00.000Z', 'weekly');
});

t.test('sqlite lease: one holder at a time, a crashed holder lapses', async (t) => {
  const { db } = await testApp(t, 'sqlite');
  const at = new Date('2025-06-02T00:00:00Z');
  t.ok(await acquireLease(db, 'job', 'replica-1', at, 60_000), 'first holder takes it');
  t.notOk(await acquireLease(db, 'job', 'replica-2', new Date(at.getTime() + 30_000), 60_000), 'refused while the lease runs');
  t.ok(await acquireLease(db, 'job', 'replica-2', new Date(at.getTime() + 61_000), 60_000), 'taken over once lapsed');
  await releaseLease(db, 'job', 'replica-1');
  t.notOk(await acquireLease(db, 'job', 'replica-3', new Date(at.getTime() + 62_000), 60_000), 'a former holder cannot release it');
  await releaseLease(db, 'job', 'replica-2');
  t.ok(await acquireLease(db, 'job', 'replica-3', new Date(at.getTime() + 62_000), 60_000), 'free after release');
});

for (const kind of DB_KINDS) {
  t.test(`${kind}: two replicas on one database run a slot once`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db, dataDir, databaseUrl } = await testApp(t, kind, { now: clock.now });
    const h = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    await send(t, app, h, reportAt(h, clock.now()));
    // A second process's view of the same database: its own connection(s), its own scheduler.
    const replica = await openDatabase({ dataDir, databaseUrl });
    t.teardown(() => replica.destroy());
    // While one process holds the job lock, the other cannot take it (advisory lock / lease row).
    const lockOptions = { leaseMs: 60_000, now: clock.now };
    const nested = await withJobLock(db, 'probe', () => withJobLock(replica, 'probe', async () => 'ran twice', lockOptions), lockOptions);
    t.same(nested, { acquired: true, value: { acquired: false } }, 'the lock excludes the other replica');
    t.same(await withJobLock(replica, 'probe', async () => 'free', lockOptions), { acquired: true, value: 'free' }, 'and is released');

    const one = startAuditScheduler(auditDeps(db, clock.now, { enabled: false }));
    const two = startAuditScheduler(auditDeps(replica, clock.now, { enabled: false }));

    const attempts = await Promise.all([one.tick(), two.tick(), one.tick(), two.tick()]);
    t.equal(attempts.filter((a) => a.status === 'ran').length, 1, 'exactly one run');
    for (const a of attempts) if (a.status === 'skipped') t.ok(['locked', 'already-done'].includes(a.reason));
    const audits = await listAudits(db, { limit: 10, offset: 0 });
    t.equal(audits.length, 1);
    t.equal(audits[0]?.trigger, 'schedule');
    t.equal(audits[0]?.scheduled_for, '2025-06-02T00:00:00.000Z', 'the slot it covers (02:00 Paris)');

    // Later ticks for the same slot (a replica whose timer fires late) do nothing.
    const late = await two.tick();
    t.same(late, { status: 'skipped', reason: 'already-done' });
    // The next night's slot runs again, once.
    clock.advance(24 * HOUR);
    const next = await Promise.all([two.tick(), one.tick()]);
    t.equal(next.filter((a) => a.status === 'ran').length, 1);
    t.equal((await listAudits(replica, { limit: 10, offset: 0 })).length, 2);
    await one.stop();
    await two.stop();
  });

  t.test(`${kind}: a missed run is caught up at start`, async (t) => {
    const clock = movableClock(new Date('2025-06-02T00:30:00Z'));
    const { app, db } = await testApp(t, kind, { now: clock.now });

    const empty = startAuditScheduler(auditDeps(db, clock.now));
    t.same(await empty.catchUp, { status: 'skipped', reason: 'empty-fleet' }, 'nothing to audit yet');
    await empty.stop();

    const h = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    await send(t, app, h, reportAt(h, clock.now()));
    const first = startAuditScheduler(auditDeps(db, clock.now));
    const caught = await first.catchUp;
    t.equal(caught?.status, 'ran', 'never audited: the last slot is caught up');
    await first.stop();

    // Restarted the same night: the slot is covered.
    clock.advance(HOUR);
    const again = startAuditScheduler(auditDeps(db, clock.now));
    t.same(await again.catchUp, { status: 'skipped', reason: 'already-done' });
    await again.stop();

    // Down for two nights: one catch-up run, for the latest slot.
    clock.set(new Date('2025-06-04T07:00:00Z'));
    await send(t, app, h, reportAt(h, clock.now()));
    const later = startAuditScheduler(auditDeps(db, clock.now));
    const result = await later.catchUp;
    t.equal(result?.status, 'ran');
    if (result?.status === 'ran') {
      t.equal(result.result.report.trigger, 'catch-up');
      t.equal(result.result.report.scheduled_for, '2025-06-04T00:00:00.000Z');
    }
    await later.stop();
    t.equal((await listAudits(db, { limit: 10, offset: 0 })).length, 2);
  });

  t.test(`${kind}: retention deletes old audits, never the latest`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const h = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    await send(t, app, h, reportAt(h, clock.now()));
    const deps = auditDeps(db, clock.now, { retentionDays: 10 });
    const old = await runAuditJob(deps, 'manual', null);
    clock.advance(5 * 24 * HOUR);
    await runAuditJob(deps, 'manual', null);
    clock.advance(6 * 24 * HOUR);
    await runAuditJob(deps, 'manual', null);
    const left = await listAudits(db, { limit: 10, offset: 0 });
    t.equal(left.length, 2, 'the audit older than 10 days is gone');
    t.notOk(left.some((a) => old.status === 'ran' && a.audit_id === old.result.audit_id));
    const rows = await db.selectFrom('audit_hosts').select('audit_id').distinct().execute();
    t.equal(rows.length, 2, 'with its host rows');
  });
}
