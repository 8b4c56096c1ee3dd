// The inventory feed on both databases: a report whose received_at ties the feed's progress, or
// precedes it because its transaction committed late, is still rolled up; every report exactly
// once (a feed run again, or two feeds at once, count nothing twice); the claims older than the
// lookback are pruned; a cursor kept by the earlier version is taken over without feeding twice.
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { FEED_LOOKBACK_MS, feedInventory } from '../../../server/inventory/feed.js';
import { judgeOf, policyContextOf } from '../../../server/inventory/judge-context.js';
import { flow, withNetwork } from '../../helpers/report-builder-net.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, reportOf, testConfig, TEST_NOW } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`inventory feed: ties, late commits, exactly once (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const db = database.db;
    let clock = TEST_NOW;
    const app = buildApp({ db, config: testConfig(database.dataDir, database.databaseUrl), now: () => clock });
    t.teardown(() => app.close());
    await app.ready();
    const judge = judgeOf(policyContextOf(database.dataDir), TEST_NOW);
    const host = await enrollHost(app, db, { hostname: 'srv-1.ch-demo.local' });
    // One report per destination, so what the inventory holds says which reports were fed.
    const send = async (reportId: string, destination: string, at: Date) => {
      clock = at;
      const report = withNetwork(reportOf(host, { report_id: reportId }), {
        outbound: { method: 'test', window_start: '2025-06-01T08:00:00.000Z', window_end: '2025-06-02T08:00:00.000Z', samples: 10, flows: [flow(destination, 443, { process: 'java' })] },
      });
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report });
      t.equal(sent.statusCode, 201, sent.body);
    };
    const fed = async () => (await db.selectFrom('inventory_destinations').select(['destination', 'hosts_count']).orderBy('destination').execute()).map((r) => r.destination);
    const hits = async () => Number((await db.selectFrom('inventory_sightings').select((eb) => eb.fn.sum<number>('hits').as('n')).executeTakeFirstOrThrow()).n);

    const tie = new Date(TEST_NOW.getTime() + 1000);
    await send('ffffffff-0000-4000-8000-000000000001', '198.51.100.1', tie);
    t.match(await feedInventory(db, judge), { reports: 1 });
    t.same(await fed(), ['198.51.100.1']);

    // Same millisecond, a report_id ordered before the one fed: a (received_at, report_id) cursor skipped it.
    await send('00000000-0000-4000-8000-000000000002', '198.51.100.2', tie);
    // Stamped one second before the watermark, committed after the feed ran (concurrent transactions).
    await send('aaaaaaaa-0000-4000-8000-000000000003', '198.51.100.3', new Date(tie.getTime() - 1000));
    t.match(await feedInventory(db, judge), { reports: 2 });
    t.same(await fed(), ['198.51.100.1', '198.51.100.2', '198.51.100.3'], 'the tied and the late report are fed');
    const before = await hits();
    t.match(await feedInventory(db, judge), { reports: 0 }, 'a feed run again feeds nothing');
    t.equal(await hits(), before, 'and counts nothing twice');

    // Two feeds at once (a read's catch-up while the scheduled feed runs): each report counted once.
    const later = new Date(tie.getTime() + 60_000);
    for (let i = 0; i < 30; i += 1) await send(`bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`, `203.0.113.${i + 1}`, later);
    const [a, b] = await Promise.all([feedInventory(db, judge), feedInventory(db, judge)]);
    t.equal(a.reports + b.reports, 30, 'the two feeds share the reports');
    t.equal(await hits(), before + 30, 'one sighting per report, none twice');

    // Claims behind the lookback are pruned; those within it kept.
    const far = new Date(later.getTime() + FEED_LOOKBACK_MS + 60_000);
    await send('cccccccc-0000-4000-8000-000000000004', '192.0.2.200', far);
    t.match(await feedInventory(db, judge), { reports: 1 });
    t.same((await db.selectFrom('inventory_fed_reports').select('report_id').execute()).map((r) => r.report_id), ['cccccccc-0000-4000-8000-000000000004']);
  });

  t.test(`inventory feed: a cursor of the earlier version is taken over (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const db = database.db;
    let clock = TEST_NOW;
    const app = buildApp({ db, config: testConfig(database.dataDir, database.databaseUrl), now: () => clock });
    t.teardown(() => app.close());
    await app.ready();
    const judge = judgeOf(policyContextOf(database.dataDir), TEST_NOW);
    const host = await enrollHost(app, db, { hostname: 'srv-1.ch-demo.local' });
    const send = async (reportId: string, destination: string, at: Date) => {
      clock = at;
      const report = withNetwork(reportOf(host, { report_id: reportId }), {
        outbound: { method: 'test', window_start: '2025-06-01T08:00:00.000Z', window_end: '2025-06-02T08:00:00.000Z', samples: 10, flows: [flow(destination, 443, { process: 'java' })] },
      });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report })).statusCode, 201);
    };
    const at = new Date(TEST_NOW.getTime() + 1000);
    await send('55555555-0000-4000-8000-000000000001', '198.51.100.1', at);
    await send('11111111-0000-4000-8000-000000000002', '198.51.100.2', at);
    // The earlier version fed the report its cursor names (its sightings are there), not the later one.
    await feedInventory(db, judge);
    await db.deleteFrom('inventory_destinations').where('destination', '=', '198.51.100.1').execute();
    await db.deleteFrom('inventory_sightings').where('destination', '=', '198.51.100.1').execute();
    await db.deleteFrom('inventory_fed_reports').execute();
    await db.updateTable('inventory_state').set({ value: JSON.stringify({ received_at: at.toISOString(), report_id: '11111111-0000-4000-8000-000000000002' }) }).where('name', '=', 'feed.reports').execute();
    const hitsOf = async (destination: string) => (await db.selectFrom('inventory_sightings').select('hits').where('destination', '=', destination).execute()).map((r) => r.hits);
    t.match(await feedInventory(db, judge), { reports: 1 }, 'the report after the old cursor is fed, the one it covered is not fed again');
    t.same(await hitsOf('198.51.100.1'), [1]);
    t.same(await hitsOf('198.51.100.2'), [1]);
  });
}
