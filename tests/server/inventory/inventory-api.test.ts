// The inventory end to end on both databases: agents' reports (with names joined on the host)
// rolled up and judged with the site's allowlist, filters and keyset paging, CSV export, and a
// log shipper pushing Squid lines: mapped and unmapped clients, resumable offsets, nothing of a
// user name or a query string kept.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { createApiToken } from '../../../server/auth/tokens.js';
import { flow, withNetwork } from '../../helpers/report-builder-net.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, readToken, reportOf, testConfig, TEST_NOW } from '../fixture.js';

const OVERLAY = `site: ch-demo
version: 1
allowlist:
  - id: dmp
    match: { fqdn: dmp.sante.fr }
    ports: [443]
    proto: tcp
    direction: egress
    roles: [server]
    purpose: Dossier médical partagé
    owner: DSI
    approved_at: "2025-01-01T00:00:00Z"
    expires_at: "2025-12-31T00:00:00Z"
    ticket: CHG-1
`;

const squidLines = (client: string) =>
  [
    `1748851200.100    245 ${client} TCP_TUNNEL/200 5120 CONNECT update.editeur-ris.example:443 - HIER_DIRECT/198.51.100.10 -`,
    `1748851201.200     88 10.99.0.1 TCP_MISS/200 1432 GET http://portail.example.org/dossier?patient=123456 jdupont HIER_DIRECT/203.0.113.8 text/html`,
    `1748851202.300      0 10.99.0.1 TCP_DENIED/403 3900 GET http://casino.example/ - HIER_NONE/- text/html`,
    `this line is not squid`,
  ].join('\n') + '\n';

for (const kind of DB_KINDS) {
  t.test(`${kind}: inventory from reports and a log shipper`, async (t) => {
    const database = await openTestDatabase(t, kind);
    mkdirSync(join(database.dataDir, 'overlays'));
    writeFileSync(join(database.dataDir, 'overlays', 'ch-demo.yaml'), OVERLAY);
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    t.teardown(() => app.close());
    await app.ready();
    const db = database.db;
    const reader = bearer(await readToken(db));

    for (const [n, address] of [[1, '10.20.3.14'], [2, '10.20.3.15']] as const) {
      const host = await enrollHost(app, db, { hostname: `srv-${n}.ch-demo.local` });
      const named = { ...flow('192.0.2.45', 443, { fqdn: 'dmp.sante.fr', process: 'java' }), remote_fqdn_source: 'dnsmasq-log' as const, remote_fqdn_confidence: 'exact' as const };
      const report = withNetwork(reportOf(host), {
        outbound: { method: 'test', window_start: '2025-06-01T08:00:00.000Z', window_end: '2025-06-02T08:00:00.000Z', samples: 10, flows: [named, flow('198.51.100.7', 8443, { process: 'curl' }), flow('10.1.2.3', 445)] },
        local_addresses: [address],
      });
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report });
      t.equal(sent.statusCode, 201, sent.body);
    }

    const list = await app.inject({ method: 'GET', url: '/api/v1/inventory?site=ch-demo', headers: reader });
    t.equal(list.statusCode, 200, list.body);
    const rows = (list.json() as { rows: Array<Record<string, unknown>> }).rows;
    t.match(rows, [
      { destination: '10.1.2.3', verdict: 'internal' },
      { destination: '198.51.100.7', kind: 'address', port: 8443, hosts_count: 2, verdict: 'name_unknown', processes: { curl: 2 } },
      { destination: 'dmp.sante.fr', kind: 'name', domain: 'sante.fr', hosts_count: 2, days_seen: 1, verdict: 'allowed', verdict_entry: 'dmp', addresses: ['192.0.2.45'], sources: { 'agent:dnsmasq-log/exact': 2 } },
    ]);
    t.equal(rows.length, 3);

    const unlisted = await app.inject({ method: 'GET', url: '/api/v1/inventory?site=ch-demo&unlisted=true', headers: reader });
    t.same((unlisted.json() as { rows: Array<{ destination: string }> }).rows.map((r) => r.destination), ['198.51.100.7']);

    const page1 = (await app.inject({ method: 'GET', url: '/api/v1/inventory?limit=2', headers: reader })).json() as { rows: Array<{ destination: string }>; next: string };
    t.equal(page1.rows.length, 2);
    const page2 = (await app.inject({ method: 'GET', url: `/api/v1/inventory?limit=2&cursor=${page1.next}`, headers: reader })).json() as { rows: Array<{ destination: string }>; next: string | null };
    t.same([...page1.rows, ...page2.rows].map((r) => r.destination), ['10.1.2.3', '198.51.100.7', 'dmp.sante.fr']);
    t.equal(page2.next, null);
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/inventory?cursor=bm90IGEgY3Vyc29y', headers: reader })).statusCode, 400);

    const csv = await app.inject({ method: 'GET', url: '/api/v1/inventory/export?site=ch-demo&format=csv', headers: reader });
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /text\/csv/);
    const csvLines = csv.body.trim().split('\r\n');
    t.equal(csvLines.length, 4);
    t.match(csvLines[0], /^site,role,destination,/);

    const coverage = (await app.inject({ method: 'GET', url: '/api/v1/inventory/coverage?site=ch-demo', headers: reader })).json() as { coverage: Array<Record<string, unknown>> };
    t.match(coverage.coverage, [{ site: 'ch-demo', role: 'server', destinations: 3, internal: 1, allowed: 1, name_unknown: 1, coverage: 0.5 }]);

    // The log shipper: squid lines, the first client is srv-1's address.
    const shipper = bearer((await createApiToken(db, { name: 'squid-gw', scope: 'log-shipper', now: TEST_NOW })).token);
    const body = squidLines('10.20.3.14');
    const half = body.indexOf('\n', body.indexOf('\n') + 1) + 1 + 20; // two lines and a partial one
    const push = (offset: number, payload: string) =>
      app.inject({ method: 'POST', url: `/api/v1/inventory/proxy-log?format=squid&site=ch-demo&stream=squid-gw&offset=${offset}`, headers: { ...shipper, 'content-type': 'text/plain' }, payload });
    const first = await push(0, body.slice(0, half));
    t.equal(first.statusCode, 200, first.body);
    const firstBody = first.json() as { offset: number; lines: number; imported: number; unmapped: number; incomplete_last_line_bytes: number };
    t.match(firstBody, { lines: 2, imported: 2, unmapped: 1, incomplete_last_line_bytes: 20 });
    t.equal(firstBody.offset, half - 20, 'the partial line is not committed');
    const gap = await push(firstBody.offset + 5, 'x\n');
    t.equal(gap.statusCode, 409, 'an offset past the committed one is refused');
    const resend = await push(0, body); // the shipper resends everything: only the rest is imported
    t.match(resend.json(), { lines: 2, imported: 0, denied: 1, rejected: 1, offset: Buffer.byteLength(body) });

    const all = (await app.inject({ method: 'GET', url: '/api/v1/inventory?limit=100', headers: reader })).json() as { rows: Array<Record<string, unknown>> };
    t.match(all.rows.find((r) => r.destination === 'update.editeur-ris.example'), { site: 'ch-demo', role: 'server', hosts_count: 1, hosts_sample: [/./], sources: { 'proxy:squid': 1 } });
    t.match(all.rows.find((r) => r.destination === 'portail.example.org'), { role: 'unmapped', hosts_sample: ['unmapped:10.99.0.1'], port: 80 });
    t.notOk(all.rows.some((r) => r.destination === 'casino.example'), 'a line the proxy refused reached nothing');
    const everything = JSON.stringify(await db.selectFrom('inventory_sightings').selectAll().execute()) + JSON.stringify(await db.selectFrom('inventory_destinations').selectAll().execute());
    t.notMatch(everything, /jdupont|patient|123456|dossier/, 'no user name, path or query string is stored');
    const hits = await db.selectFrom('inventory_sightings').select('hits').where('source', '=', 'proxy:squid').execute();
    t.equal(hits.reduce((n, r) => n + r.hits, 0), 2, 'each line counted once across the resend');

    const wrongType = await app.inject({ method: 'POST', url: '/api/v1/inventory/proxy-log?format=squid&site=ch-demo&stream=s&offset=0', headers: shipper, payload: {} });
    t.equal(wrongType.statusCode, 415);
  });
}
