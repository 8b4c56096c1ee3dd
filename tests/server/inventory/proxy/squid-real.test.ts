// A log a real Squid writes (tests/helpers/squid.ts: Debian's squid, native logformat) imported by
// `vigie inventory import-proxy-log`, on both databases. Through the proxy a host of the site
// fetches a page of a vendor portal (with a query string, as a user), tunnels to a PACS vendor's
// API with CONNECT, and is refused a blocked site. The client address (127.0.0.1) is the one the
// host's agent reports, so the lines are attributed to it; the refusal reached nothing; neither
// path nor query is kept.
import { request } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import t from 'tap';
import { buildApp } from '../../../../server/app.js';
import { runCli } from '../../../../server/cli/run.js';
import { withNetwork } from '../../../helpers/report-builder-net.js';
import { startSquid } from '../../../helpers/squid.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, reportOf, testConfig, TEST_NOW } from '../../fixture.js';

async function listening<S extends HttpServer | TcpServer>(server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One request through the proxy: a GET of an absolute URL, or a CONNECT; resolves with the status. */
function throughProxy(proxyPort: number, method: 'GET' | 'CONNECT', target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method, path: target, headers: method === 'CONNECT' ? { host: target } : {} });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from squid for ${method} ${target}`)));
    req.end();
  });
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: a real Squid's access.log imported and attributed`, async (t) => {
    const web = createHttpServer((_req, res) => res.end('portail'));
    const webPort = await listening(web);
    t.teardown(() => new Promise<void>((resolve) => web.close(() => resolve())));
    const tls = createTcpServer((socket) => socket.destroy());
    const tlsPort = await listening(tls);
    t.teardown(() => new Promise<void>((resolve) => tls.close(() => resolve())));
    const squid = await startSquid({
      hosts: [['portail.editeur-rh.test', '127.0.0.1'], ['api.editeur-pacs.test', '127.0.0.1'], ['www.casino.test', '127.0.0.1']],
      deny: ['.casino.test'],
    });
    t.teardown(() => squid.stop());

    t.equal(await throughProxy(squid.port, 'GET', `http://portail.editeur-rh.test:${webPort}/dossier/42?patient=123456&nom=dupont`), 200);
    t.equal(await throughProxy(squid.port, 'CONNECT', `api.editeur-pacs.test:${tlsPort}`), 200);
    t.equal(await throughProxy(squid.port, 'GET', 'http://www.casino.test/'), 403, 'squid refuses the blocked site');
    const logged = await squid.lines(3);
    t.match(logged.join('\n'), /TCP_DENIED\/403/, 'squid logged the refusal');

    const database = await openTestDatabase(t, kind);
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    t.teardown(() => app.close());
    await app.ready();
    const host = await enrollHost(app, database.db, { hostname: 'srv-rh.ch-demo.local' });
    const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: withNetwork(reportOf(host), { local_addresses: ['127.0.0.1'] }) });
    t.equal(sent.statusCode, 201, sent.body);

    const out: string[] = [];
    const err: string[] = [];
    const env: NodeJS.ProcessEnv = { SUDO_USER: 'ops', ...(database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl }) };
    const code = await runCli(['inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo', squid.accessLog, '--json', '--data-dir', database.dataDir], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
    t.equal(code, 0, err.join('\n'));
    t.match(JSON.parse(out.join('\n')), { lines: 3, imported: 2, denied: 1, rejected: 0, unmapped: 0 });

    const rows = await database.db.selectFrom('inventory_destinations').selectAll().where('site', '=', 'ch-demo').where('role', '=', 'server').orderBy('destination').execute();
    t.match(
      rows.map((r) => ({ destination: r.destination, port: r.port, hosts_count: r.hosts_count })),
      [
        { destination: 'api.editeur-pacs.test', port: tlsPort, hosts_count: 1 },
        { destination: 'portail.editeur-rh.test', port: webPort, hosts_count: 1 },
      ],
    );
    t.equal(rows.length, 2, 'the refused site is not in the inventory');
    const sightings = await database.db.selectFrom('inventory_sightings').selectAll().execute();
    t.same([...new Set(sightings.map((s) => s.host_key))], [host.host_id], 'both lines attributed to the host that reports 127.0.0.1');
    t.notMatch(JSON.stringify(rows) + JSON.stringify(sightings), /dossier|patient|dupont|casino/, 'no path, query or refused site kept');
  });
}
