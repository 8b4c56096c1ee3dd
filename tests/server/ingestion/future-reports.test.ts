// A report dated in the future must not freeze its host (issue 13, item 1): refused beyond the
// clock tolerance with a 4xx naming collected_at; a future-dated current report (stored before
// this refusal, or under a wrong server clock) is replaced by the next report received, and until
// then the audit lists the host as stale and the API says clock_skewed.
import t from 'tap';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../../policies/evaluate.js';
import { runAuditJob } from '../../../server/audit/scheduler.js';
import { auditDeps, enroll, HOUR, movableClock, reportAt, send } from '../audit/helpers.js';
import { bearer, DB_KINDS, readToken, snapshot, TEST_NOW, testApp } from '../fixture.js';

const YEAR = 365 * 24 * HOUR;

for (const kind of DB_KINDS) {
  t.test(`${kind}: a report beyond the clock tolerance is refused, naming collected_at`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const gw = await enroll(app, db, 'ch-a', 'telemaintenance-gateway', 'tmg-irm');
    await send(t, app, gw, reportAt(gw, clock.now()));
    const before = await snapshot(db);

    const future = reportAt(gw, new Date(Date.parse('2099-01-01T00:00:00Z')));
    const refused = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(gw.credential), payload: future });
    t.equal(refused.statusCode, 422);
    t.equal(refused.json().error.code, 'collected_at_in_future');
    t.match(refused.json().error.message, /collected_at/);
    t.same(refused.json().error.details, [{ field: '/collected_at', reason: 'more than 5 minutes in the future' }]);
    t.same(await snapshot(db), before, 'nothing stored');

    // Just beyond the tolerance is refused; exactly at it is taken (and the host stays judged).
    const justBeyond = reportAt(gw, new Date(clock.now().getTime() + CLOCK_SKEW_TOLERANCE_MS + 1));
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(gw.credential), payload: justBeyond })).statusCode, 422);
    const atLimit = reportAt(gw, new Date(clock.now().getTime() + CLOCK_SKEW_TOLERANCE_MS));
    await send(t, app, gw, atLimit);
  });

  t.test(`${kind}: a current report from the future is replaced by the next genuine one; audit and API say so until then`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db } = await testApp(t, kind, { now: clock.now });
    const gw = await enroll(app, db, 'ch-a', 'telemaintenance-gateway', 'tmg-irm');
    const srv = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    const deps = auditDeps(db, clock.now);
    const audit = async () => {
      const attempt = await runAuditJob(deps, 'manual', null);
      if (attempt.status !== 'ran') throw new Error(attempt.reason);
      return attempt.result.report;
    };

    // A gateway whose backups fail (a critical finding), and a healthy server.
    await send(t, app, gw, reportAt(gw, clock.now(), 200));
    await send(t, app, srv, reportAt(srv, clock.now(), 1));
    const first = await audit();
    t.ok(first.findings.items.some((f) => f.hostname === 'tmg-irm' && f.severity === 'critical'), 'the gateway has a critical finding');

    // A report dated ten years ahead stored as it was before the refusal existed: the server's
    // clock was ten years ahead when it came, then corrected.
    clock.advance(10 * YEAR);
    await send(t, app, gw, reportAt(gw, clock.now(), 200));
    clock.advance(-10 * YEAR + HOUR);
    await send(t, app, srv, reportAt(srv, clock.now(), 1));

    const token = await readToken(db);
    const listed = await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: bearer(token) });
    const states = Object.fromEntries((listed.json().hosts as { hostname: string; evidence_state: string }[]).map((h) => [h.hostname, h.evidence_state]));
    t.same(states, { 'tmg-irm': 'clock_skewed', 'srv-a': 'fresh' });
    const verdicts = await app.inject({ method: 'GET', url: `/api/v1/hosts/${gw.host_id}/verdicts`, headers: bearer(token) });
    t.equal(verdicts.json().evidence_state, 'clock_skewed');

    const second = await audit();
    t.same(second.stale_hosts.items.map((h) => h.hostname), ['tmg-irm'], 'the gateway is listed as stale, not assessed');
    t.equal(second.hosts.stale, 1);
    t.equal(second.hosts.assessed, 1);

    // The next genuine report becomes current at once, and the finding is back.
    const genuine = reportAt(gw, clock.now(), 200);
    await send(t, app, gw, genuine);
    const after = await app.inject({ method: 'GET', url: `/api/v1/hosts/${gw.host_id}/verdicts`, headers: bearer(token) });
    t.equal(after.json().report_id, genuine.report_id, 'the genuine report is current');
    t.equal(after.json().evidence_state, 'fresh');
    const third = await audit();
    t.equal(third.hosts.stale, 0);
    t.ok(third.findings.items.some((f) => f.hostname === 'tmg-irm' && f.severity === 'critical'), 'the critical finding is shown again');

    // An older report delivered late still does not replace a (genuine) newer current one.
    await send(t, app, gw, reportAt(gw, new Date(clock.now().getTime() - HOUR), 1));
    const still = await app.inject({ method: 'GET', url: `/api/v1/hosts/${gw.host_id}/verdicts`, headers: bearer(token) });
    t.equal(still.json().report_id, genuine.report_id);
  });
}
