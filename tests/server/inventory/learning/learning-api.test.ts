// Learning mode end to end on both databases: the RSSI opens learning for a (site, role) (a NET-01
// waiver on that scope), agents report, the nightly run proposes complete entries, a proposal is
// approved (written to the site overlay's learned allowlist, which `vigie policy lint` accepts, and
// the next report's NET-01 verdict uses it), another is rejected with a reason, and every step is in
// the audit log. Only the RSSI's session decides; the proposer never approves.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { applyWaivers } from '../../../../policies/waiver.js';
import { buildApp } from '../../../../server/app.js';
import { runCli } from '../../../../server/cli/run.js';
import { listWaivers } from '../../../../server/db/waivers.js';
import { runLearningProposals } from '../../../../server/inventory/learning/nightly.js';
import { listAuditEntries } from '../../../../server/auditlog/auditlog.js';
import { flow, withNetwork } from '../../../helpers/report-builder-net.js';
import { BUILDER_COLLECTED_AT } from '../../../helpers/report-builder.js';
import { fullSession } from '../../auth/helpers.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, readToken, reportOf, testConfig, TEST_NOW, type EnrolledHost } from '../../fixture.js';

const OVERLAY = `# The RSSI's overlay (comments must survive the approval).
site: ch-demo
version: 3
allowlist:
  - id: dmp
    match: { fqdn: dmp.sante.fr }
    ports: [443]
    proto: tcp
    direction: egress
    roles: [workstation]
    purpose: Dossier médical partagé
    owner: DSI
    approved_at: "2025-01-01T00:00:00Z"
    expires_at: "2025-12-31T00:00:00Z"
    ticket: CHG-1
`;

const ris = () => ({ ...flow('192.0.2.45', 443, { fqdn: 'portail.editeur-ris.example', process: 'RisClient.exe' }), remote_fqdn_source: 'dns-client-event' as const, remote_fqdn_confidence: 'exact' as const, first_seen: '2025-05-31T10:00:00.000Z', last_seen: '2025-06-02T07:00:00.000Z' });
const bare = () => ({ ...flow('198.51.100.7', 8443, { process: 'updater.exe' }), first_seen: '2025-05-31T10:00:00.000Z', last_seen: '2025-06-02T07:00:00.000Z' });
const dmp = () => ({ ...flow('192.0.2.80', 443, { fqdn: 'dmp.sante.fr', process: 'RisClient.exe' }), remote_fqdn_source: 'dns-client-event' as const, remote_fqdn_confidence: 'exact' as const });

function report(host: EnrolledHost, flows: ReturnType<typeof flow>[], collectedAt = BUILDER_COLLECTED_AT) {
  return withNetwork(reportOf(host, { collected_at: collectedAt }), {
    outbound: { method: 'test', window_start: '2025-05-31T08:00:00.000Z', window_end: collectedAt, samples: 100, flows },
  });
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: learning, proposals, approval and rejection`, async (t) => {
    const database = await openTestDatabase(t, kind);
    const db = database.db;
    mkdirSync(join(database.dataDir, 'overlays'));
    const overlayFile = join(database.dataDir, 'overlays', 'ch-demo.yaml');
    writeFileSync(overlayFile, OVERLAY);
    const app = buildApp({ db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
    t.teardown(() => app.close());
    await app.ready();
    const rssi = await fullSession(app, db, 'm.rssi', 'rssi', TEST_NOW);
    const tech = await fullSession(app, db, 't.tech', 'technician', TEST_NOW);
    const reader = bearer(await readToken(db));
    const as = (s: typeof rssi) => ({ cookies: s.cookies, headers: s.headers });

    // Open learning for ch-demo/workstation (20 days); a technician or a token may not.
    const body = { site: 'ch-demo', role: 'workstation', until: '2025-06-22' };
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/learning', ...as(tech), payload: body })).statusCode, 403);
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/learning', headers: reader, payload: body })).statusCode, 403);
    const tooShort = await app.inject({ method: 'POST', url: '/api/v1/learning', ...as(rssi), payload: { ...body, until: '2025-06-05' } });
    t.equal(tooShort.statusCode, 400);
    t.match(tooShort.json(), { error: { message: /at least 14 days/ } });
    const opened = await app.inject({ method: 'POST', url: '/api/v1/learning', ...as(rssi), payload: body });
    t.equal(opened.statusCode, 201, opened.body);
    const scope = (opened.json() as { scope: { scope_id: string; waiver_id: string; active: boolean } }).scope;
    t.ok(scope.active);
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/learning', ...as(rssi), payload: body })).statusCode, 409, 'one learning per scope at a time');

    // The waiver covers NET-01 for workstations of ch-demo only.
    const waivers = await listWaivers(db);
    t.match(waivers, [{ id: scope.waiver_id, rule_id: 'NET-01', scope: { site: 'ch-demo', role: 'workstation' }, approver: 'm.rssi' }]);
    const failing = [{ rule_id: 'NET-01', status: 'fail' as const, severity: 'high' as const, title: { fr: 'x', en: 'x' }, explanation: { fr: 'x', en: 'x' }, references: [] }];
    const now = TEST_NOW;
    t.equal(applyWaivers(failing as never, { host_id: 'h', site: 'ch-demo', role: 'workstation' }, waivers, now)[0]!.waived, true);
    t.equal(applyWaivers(failing as never, { host_id: 'h', site: 'ch-demo', role: 'server' }, waivers, now)[0]!.waived, false, 'another role of the site is not waived');
    t.equal(applyWaivers(failing as never, { host_id: 'h', site: 'ch-autre', role: 'workstation' }, waivers, now)[0]!.waived, false, 'another site is not waived');

    // Three workstations report: the RIS portal by name, an updater by bare address, the DMP (allowed).
    const hosts: EnrolledHost[] = [];
    for (const n of [1, 2, 3]) hosts.push(await enrollHost(app, db, { role: 'workstation', hostname: `pc-${n}.ch-demo.local` }));
    for (const host of hosts) {
      const sent = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report(host, host === hosts[0] ? [ris(), bare(), dmp()] : [ris(), dmp()]) });
      t.equal(sent.statusCode, 201, sent.body);
    }
    const before = await app.inject({ method: 'GET', url: `/api/v1/hosts/${hosts[1]!.host_id}/verdicts`, headers: reader });
    t.match((before.json() as { verdicts: Array<{ rule_id: string; status: string }> }).verdicts.find((v) => v.rule_id === 'NET-01'), { status: 'fail' });
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/inventory?site=ch-demo', headers: reader })).statusCode, 200, 'the inventory caught up');

    // The nightly run proposes, once.
    t.same(await runLearningProposals(db, TEST_NOW), { scopes: 1, proposed: 2 });
    t.same(await runLearningProposals(db, TEST_NOW), { scopes: 1, proposed: 0 }, 'nothing proposed twice');
    const listed = await app.inject({ method: 'GET', url: '/api/v1/learning/proposals?site=ch-demo&status=pending', headers: reader });
    t.equal(listed.statusCode, 200, listed.body);
    const proposals = (listed.json() as { proposals: Array<{ proposal_id: string; subject: string; entry: Record<string, unknown>; proposed_by: string }> }).proposals;
    const byName = proposals.find((p) => p.subject.startsWith('fqdn:'))!;
    const byAddress = proposals.find((p) => p.subject.startsWith('cidr:'))!;
    t.match(byName, { subject: 'fqdn:portail.editeur-ris.example|tcp|443', proposed_by: 'system:learning', entry: { match: { fqdn: 'portail.editeur-ris.example' }, ports: [443], roles: ['workstation'], owner: 'm.rssi' } });
    t.notOk(byName.entry.hosts, 'every workstation uses it');
    t.match(byAddress, { subject: 'cidr:198.51.100.7/32|tcp|8443', entry: { match: { cidr: '198.51.100.7/32' }, hosts: [hosts[0]!.host_id] } });

    // Approval: RSSI session only, with purpose, owner, ticket, expiry.
    const approval = { purpose: 'Portail du RIS de l’éditeur (comptes rendus)', owner: 'Service imagerie', ticket: 'CHG-2025-118', expires: '2025-11-30' };
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byName.proposal_id}/approve`, ...as(tech), payload: approval })).statusCode, 403);
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byName.proposal_id}/approve`, cookies: rssi.cookies, payload: approval })).statusCode, 403, 'no CSRF header: refused');
    const tooLong = await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byName.proposal_id}/approve`, ...as(rssi), payload: { ...approval, expires: '2026-12-31' } });
    t.equal(tooLong.statusCode, 400);
    const approved = await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byName.proposal_id}/approve`, ...as(rssi), payload: approval });
    t.equal(approved.statusCode, 200, approved.body);
    const file = (approved.json() as { file: string }).file;
    t.equal(file, join(database.dataDir, 'overlays', 'allowlists', 'ch-demo.learned.yaml'));
    t.match(readFileSync(file, 'utf8'), new RegExp(`proposal ${byName.proposal_id}`), 'the proposal id is kept as provenance');
    const overlayText = readFileSync(overlayFile, 'utf8');
    t.match(overlayText, /# The RSSI's overlay/, 'the overlay keeps its comments');
    t.match(overlayText, /version: 4/);
    t.match(overlayText, /allowlists\/ch-demo\.learned\.yaml/);
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byName.proposal_id}/approve`, ...as(rssi), payload: approval })).statusCode, 409, 'decided once');

    // `vigie policy lint` accepts the overlay with its learned file.
    const out: string[] = [];
    const code = await runCli(['policy', 'lint', overlayFile], { stdout: (l: string) => out.push(l), stderr: (l: string) => out.push(l), env: {} } as never);
    t.equal(code, 0, out.join('\n'));

    // The inventory is judged again; the next report's NET-01 uses the entry.
    const rows = (await app.inject({ method: 'GET', url: '/api/v1/inventory?site=ch-demo&q=editeur-ris', headers: reader })).json() as { rows: Array<{ verdict: string; verdict_entry: string | null }> };
    t.match(rows.rows, [{ verdict: 'allowed', verdict_entry: byName.entry.id }]);
    const next = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(hosts[1]!.credential), payload: report(hosts[1]!, [ris(), dmp()], '2025-06-02T08:00:30.000Z') });
    t.equal(next.statusCode, 201, next.body);
    const after = (await app.inject({ method: 'GET', url: `/api/v1/hosts/${hosts[1]!.host_id}/verdicts`, headers: reader })).json() as { pack: string; verdicts: Array<{ rule_id: string; status: string }> };
    t.match(after.pack, /site ch-demo v4/);
    t.match(after.verdicts.find((v) => v.rule_id === 'NET-01'), { status: 'pass' });

    // Rejection keeps the reason; nothing is written.
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byAddress.proposal_id}/reject`, ...as(rssi), payload: { reason: 'short' } })).statusCode, 400);
    const rejected = await app.inject({ method: 'POST', url: `/api/v1/learning/proposals/${byAddress.proposal_id}/reject`, ...as(rssi), payload: { reason: 'Updater non autorisé : à désinstaller (ticket CHG-2025-119)' } });
    t.equal(rejected.statusCode, 200, rejected.body);
    t.match(rejected.json(), { proposal: { status: 'rejected', decided_by: 'm.rssi', decision: { reason: /désinstaller/ } } });
    t.notMatch(readFileSync(file, 'utf8'), /198\.51\.100\.7/);
    t.same(await runLearningProposals(db, TEST_NOW), { scopes: 1, proposed: 0 }, 'a rejected destination is not proposed again');

    // Close: the waiver stops applying now.
    const closed = await app.inject({ method: 'POST', url: `/api/v1/learning/${scope.scope_id}/close`, ...as(rssi) });
    t.equal(closed.statusCode, 200, closed.body);
    t.equal(applyWaivers(failing as never, { host_id: 'h', site: 'ch-demo', role: 'workstation' }, await listWaivers(db), TEST_NOW)[0]!.waived, false);
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/learning/${scope.scope_id}/close`, ...as(rssi) })).statusCode, 409);

    const actions = (await listAuditEntries(db, { limit: 100 })).map((e) => `${e.action} ${e.actor.id}`);
    for (const expected of ['learning.opened user:m.rssi', 'learning.proposed system:system:learning', 'proposal.approved user:m.rssi', 'proposal.rejected user:m.rssi', 'learning.closed user:m.rssi']) {
      t.ok(actions.some((a) => a.startsWith(expected.split(' ')[0]!)), `audit log has ${expected.split(' ')[0]}`);
    }
    t.ok(existsSync(overlayFile));
  });
}
