// The inventory's jobs in a started server (server/start.ts), both databases: at start the feed
// catches up with reports stored while it was down, raw sightings past retention are deleted and
// open learning scopes get their proposals; then the scheduled feed picks up a report sent over
// HTTP while it runs (waited for with a bound, never a fixed sleep).
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { toDbTime } from '../../../server/db/columns.js';
import { openLearning } from '../../../server/inventory/learning/scopes.js';
import { createLogger } from '../../../server/logger.js';
import { startServer } from '../../../server/start.js';
import { flow, withNetwork } from '../../helpers/report-builder-net.js';
import { BUILDER_COLLECTED_AT } from '../../helpers/report-builder.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, reportOf, testConfig, TEST_NOW } from '../fixture.js';

async function until(check: () => Promise<boolean>, bound = 20_000): Promise<boolean> {
  const end = Date.now() + bound;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

const twoDays = (remote: string, port: number, fqdn: string | null) => ({
  ...flow(remote, port, { fqdn, process: 'PacsAgent.exe' }),
  ...(fqdn === null ? {} : { remote_fqdn_source: 'dnsmasq-log' as const, remote_fqdn_confidence: 'exact' as const }),
  first_seen: '2025-05-31T10:00:00.000Z',
  last_seen: '2025-06-02T07:00:00.000Z',
});

for (const kind of DB_KINDS) {
  t.test(`inventory jobs in a started server (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const db = database.db;
    const app = buildApp({ db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    await app.ready();
    const host = await enrollHost(app, db, { role: 'workstation', hostname: 'pc-1.ch-demo.local' });
    const report = (flows: ReturnType<typeof flow>[], at = BUILDER_COLLECTED_AT) =>
      withNetwork(reportOf(host, { collected_at: at }), { outbound: { method: 'test', window_start: '2025-05-31T08:00:00.000Z', window_end: at, samples: 10, flows } });
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report([twoDays('192.0.2.45', 443, 'portail.editeur-ris.example')]) })).statusCode, 201);
    await app.close();
    await openLearning(db, { site: 'ch-demo', role: 'workstation', until: '2025-06-30', by: 'm.rssi', actor: { type: 'cli', id: 'tests' }, now: TEST_NOW, timeZone: 'Europe/Paris' });
    // A raw sighting from 40 days ago: past the 30-day retention.
    await db.insertInto('inventory_sightings').values({ site: 'ch-demo', role: 'workstation', destination: 'old.example', port: 443, protocol: 'tcp', direction: 'egress', host_key: host.host_id, day: '2025-04-23', source: 'agent', process: null, first_seen: toDbTime('2025-04-23T08:00:00Z'), last_seen: toDbTime('2025-04-23T08:00:00Z'), hits: 1 }).execute();
    t.equal((await db.selectFrom('inventory_destinations').selectAll().execute()).length, 0, 'nothing fed before the server starts');

    let clock = TEST_NOW;
    const server = await startServer({ dataDir: database.dataDir, databaseUrl: database.databaseUrl, port: 0, host: '127.0.0.1', logLevel: 'silent' }, { now: () => clock, logger: createLogger('silent'), inventoryFeedSchedule: '* * * * * *' });
    t.teardown(() => server.close());
    // Start returned after the catch-up: fed, pruned, proposed.
    t.match(await db.selectFrom('inventory_destinations').select(['destination', 'days_seen']).execute(), [{ destination: 'portail.editeur-ris.example', days_seen: 2 }]);
    t.equal((await db.selectFrom('inventory_sightings').selectAll().where('destination', '=', 'old.example').execute()).length, 0, 'raw sightings past retention deleted');
    t.match(await db.selectFrom('destination_proposals').select(['subject', 'status']).execute(), [{ subject: 'fqdn:portail.editeur-ris.example|tcp|443', status: 'pending' }]);

    // While it runs (the clock moves on: the feed follows reports by reception time): a report over HTTP reaches the inventory through the scheduled feed.
    clock = new Date(TEST_NOW.getTime() + 1000);
    const sent = await fetch(`${server.url}/api/v1/reports`, { method: 'POST', headers: { ...bearer(host.credential), 'content-type': 'application/json' }, body: JSON.stringify(report([twoDays('198.51.100.9', 8443, null)], '2025-06-02T08:00:30.000Z')) });
    t.equal(sent.status, 201, await sent.text());
    t.ok(await until(async () => (await db.selectFrom('inventory_destinations').select('destination').where('destination', '=', '198.51.100.9').execute()).length === 1), 'the feed picked the new report up');
  });
}
