// `vigie inventory import-proxy-log` and `vigie learning ...` end to end, on both databases: an
// agent reports its address, the CLI imports Squid and Stormshield files (resumable by offset,
// an incomplete last line left for the next run, a rotated file started over), then learning is
// opened, proposals made, one approved (the overlay it writes passes `vigie policy lint`), one
// rejected, and learning closed; all from the shell, each decision in the audit log.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { runCli } from '../../../server/cli/run.js';
import { withNetwork } from '../../helpers/report-builder-net.js';
import { DB_KINDS, enrollHost, openTestDatabase, reportOf, testConfig, TEST_NOW, bearer } from '../fixture.js';

const squid = (ts: number, client: string, target: string, extra = '') => `${ts.toFixed(3)}    120 ${client} TCP_TUNNEL/200 5120 CONNECT ${target} - HIER_DIRECT/192.0.2.45 -${extra}`;
const storm = (time: string, client: string, name: string, port: number, action = 'pass') =>
  `id=firewall time="${time}" fw="SN310A" tz=+0100 startime="${time}" pri=5 src=${client} srcport=50122 dst=192.0.2.99 dstport=${port} dstname=${name} proto=https op="CONNECT" arg="/login?user=x" user="jdupont" action=${action} logtype="web"`;

// Monday 2 June 2025 and the day before, around the tests' clock.
const DAY1 = Date.parse('2025-06-01T09:00:00Z') / 1000;
const DAY2 = Date.parse('2025-06-02T07:00:00Z') / 1000;

for (const kind of DB_KINDS) {
  t.test(`vigie inventory import-proxy-log and vigie learning (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const env: NodeJS.ProcessEnv = { SUDO_USER: 'ops', ...(database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl }) };
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args[0] === 'policy' ? args : [...args, '--data-dir', database.dataDir], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const json = <T>(r: { code: number; out: string; err: string }): T => {
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
      return JSON.parse(r.out) as T;
    };

    // One server at ch-demo reports its address, so the proxy's client 10.20.3.14 is mapped to it.
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    t.teardown(() => app.close());
    await app.ready();
    for (const [n, address] of [[1, '10.20.3.14'], [2, '10.20.3.15'], [3, '10.20.3.16']] as const) {
      const host = await enrollHost(app, database.db, { hostname: `srv-${n}.ch-demo.local` });
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: withNetwork(reportOf(host), { local_addresses: [address] }) });
      t.equal(sent.statusCode, 201, sent.body);
    }

    const dir = join(database.dataDir, 'logs');
    mkdirSync(dir);
    const access = join(dir, 'access.log');
    const partial = squid(DAY2 + 3, '10.20.3.14', 'api.editeur-pacs.example:443');
    writeFileSync(
      access,
      [
        squid(DAY1, '10.20.3.14', 'api.editeur-pacs.example:443'),
        squid(DAY2, '10.20.3.14', 'api.editeur-pacs.example:443'),
        squid(DAY1 + 5, '10.20.3.14', '198.51.100.20:443', ' licences.editeur-pacs.example'),
        squid(DAY2 + 5, '10.20.3.14', '198.51.100.20:443', ' licences.editeur-pacs.example'),
        squid(DAY1 + 9, '10.20.3.14', '203.0.113.77:8443'),
        squid(DAY2 + 9, '10.20.3.14', '203.0.113.77:8443'),
        squid(DAY2 + 1, '10.77.0.9', 'www.example.org:443'),
        'not a squid line',
      ].join('\n') + '\n' + partial.slice(0, 30),
    );

    t.equal((await run('inventory', 'import-proxy-log', '--format', 'bluecoat', '--site', 'ch-demo', access)).code, 2, 'unknown format');
    t.equal((await run('inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo')).code, 2, 'no file');
    const missing = await run('inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo', join(dir, 'nope.log'));
    t.equal(missing.code, 1);
    t.match(missing.err, /cannot read/);

    type Summary = { lines: number; imported: number; unmapped: number; rejected: number; denied: number; offset: number; resumed_from: number; incomplete_last_line_bytes: number };
    const first = json<Summary>(await run('inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo', access, '--json'));
    t.match(first, { lines: 8, imported: 7, unmapped: 1, rejected: 1, resumed_from: 0, incomplete_last_line_bytes: 30 });
    const again = json<Summary>(await run('inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo', access, '--json'));
    t.match(again, { lines: 0, imported: 0, resumed_from: first.offset }, 'a second run resumes where the first stopped');
    appendFileSync(access, `${partial.slice(30)}\n`);
    const rest = json<Summary>(await run('inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo', access, '--json'));
    t.match(rest, { lines: 1, imported: 1, resumed_from: first.offset }, 'the completed line is read once');
    const human = await run('inventory', 'import-proxy-log', '--format', 'squid', '--site', 'ch-demo', access, '--restart');
    t.equal(human.code, 0);
    t.match(human.out, /9 line\(s\) read from byte 0: 8 imported \(1 from unmapped clients\)/);

    const firewall = join(dir, 'l_web');
    writeFileSync(firewall, [storm('2025-06-01 10:00:00', '10.20.3.15', 'maj.editeur-pacs.example', 443), storm('2025-06-02 08:30:00', '10.20.3.15', 'maj.editeur-pacs.example', 443), storm('2025-06-02 08:31:00', '10.20.3.15', 'jeux.example', 443, 'block'), 'id=firewall logtype="connection" src=1.2.3.4'].join('\n') + '\n');
    t.match(json<Summary>(await run('inventory', 'import-proxy-log', '--format', 'stormshield', '--site', 'ch-demo', firewall, '--json')), { lines: 4, imported: 2, denied: 1, unmapped: 0 });

    type Rows = { rows: Array<{ destination: string; role: string; port: number; days_seen: number; hosts_sample: string[]; sources: Record<string, number>; verdict: string }> };
    const listed = json<Rows>(await run('inventory', 'list', '--site', 'ch-demo', '--json'));
    t.match(listed.rows.find((r) => r.destination === 'api.editeur-pacs.example'), { role: 'server', port: 443, days_seen: 2, verdict: 'unlisted', sources: { 'proxy:squid': 6 } }, '--restart read the three lines again: hits add up');
    t.match(listed.rows.find((r) => r.destination === 'licences.editeur-pacs.example'), { days_seen: 2 }, 'the SNI names a CONNECT to an address');
    t.match(listed.rows.find((r) => r.destination === 'maj.editeur-pacs.example'), { sources: { 'proxy:stormshield': 2 } });
    t.match(listed.rows.find((r) => r.destination === 'www.example.org'), { role: 'unmapped', hosts_sample: ['unmapped:10.77.0.9'] });
    t.notOk(listed.rows.some((r) => r.destination === 'jeux.example'), 'blocked by the firewall: reached nothing');
    const exported = await run('inventory', 'export', '--site', 'ch-demo');
    t.notMatch(exported.out, /jdupont|login\?user/);

    // Learning from the shell.
    t.equal((await run('learning', 'open', '--site', 'ch-demo', '--role', 'server', '--until', '2025-06-03', '--approver', 'm.rssi')).code, 2, 'too short');
    // The CLI's clock is the real one: learning runs 30 days from today.
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const opened = json<{ scope: { scope_id: string } }>(await run('learning', 'open', '--site', 'ch-demo', '--role', 'server', '--until', until, '--approver', 'm.rssi', '--json'));
    t.ok(opened.scope.scope_id.startsWith('L-'));
    const proposed = json<{ scopes: number; proposed: number }>(await run('learning', 'propose', '--json'));
    t.ok(proposed.proposed >= 3, `proposed ${proposed.proposed}`);
    type Proposals = { proposals: Array<{ proposal_id: string; subject: string; entry: { id: string; hosts?: string[] } }> };
    const proposals = json<Proposals>(await run('learning', 'proposals', '--site', 'ch-demo', '--status', 'pending', '--json')).proposals;
    const api = proposals.find((p) => p.subject === 'fqdn:api.editeur-pacs.example|tcp|443')!;
    const bare = proposals.find((p) => p.subject === 'cidr:203.0.113.77/32|tcp|8443')!;
    t.ok(api && bare, proposals.map((p) => p.subject).join(', '));
    t.equal(api.entry.hosts?.length, 1, 'one server of three uses it: the entry names it');
    t.notOk(proposals.some((p) => p.subject.includes('www.example.org')), 'an unmapped client has no role to propose for');
    t.match((await run('learning', 'proposals')).out, new RegExp(api.proposal_id));

    const approved = await run('learning', 'approve', api.proposal_id, '--purpose', 'Télémaintenance du PACS (API éditeur)', '--owner', 'Imagerie', '--ticket', 'CHG-7', '--approver', 'm.rssi');
    t.equal(approved.code, 0, approved.err);
    t.match(approved.out, /ch-demo\.learned\.yaml/);
    t.equal((await run('learning', 'approve', api.proposal_id, '--purpose', 'again and again', '--owner', 'x', '--ticket', 'y', '--approver', 'm.rssi')).code, 1, 'already approved');
    t.equal((await run('learning', 'approve', 'P-000000000000', '--purpose', 'nothing here', '--owner', 'x', '--ticket', 'y', '--approver', 'm.rssi')).code, 1, 'unknown proposal');
    const lint = await run('policy', 'lint', join(database.dataDir, 'overlays', 'ch-demo.yaml'));
    t.equal(lint.code, 0, lint.out + lint.err);
    t.equal((await run('learning', 'reject', bare.proposal_id, '--reason', 'short', '--approver', 'm.rssi')).code, 2);
    t.equal((await run('learning', 'reject', bare.proposal_id, '--reason', 'Flux inconnu : poste à analyser', '--approver', 'm.rssi')).code, 0);
    const after = json<Rows>(await run('inventory', 'list', '--site', 'ch-demo', '--q', 'api.editeur-pacs', '--json'));
    t.match(after.rows, [{ verdict: 'allowed' }], 'the CLI judges the inventory again with the new entry');
    t.match((await run('learning', 'list')).out, /open/);
    t.equal((await run('learning', 'close', opened.scope.scope_id, '--approver', 'm.rssi')).code, 0);
    t.match((await run('learning', 'list', '--json')).out, /"active":false/);

    const actions = (await listAuditEntries(database.db, { limit: 100 })).map((e) => `${e.action} ${e.actor.type}`);
    for (const a of ['learning.opened cli', 'learning.proposed system', 'proposal.approved cli', 'proposal.rejected cli', 'learning.closed cli']) t.ok(actions.includes(a), a);
  });
}
