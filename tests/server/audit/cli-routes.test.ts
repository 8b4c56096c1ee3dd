// `vigie waiver add|list`, `vigie audit run|list|show` and GET /api/v1/audits[/:id] on SQLite and
// PostgreSQL.
import { createHash } from 'node:crypto';
import t from 'tap';
import { runCli } from '../../../server/cli/run.js';
import type { CliIo } from '../../../server/cli/io.js';
import { revokeWaiver } from '../../../server/waivers/revoke.js';
import { bearer, DB_KINDS, readToken, TEST_NOW, testApp } from '../fixture.js';
import { enroll, movableClock, reportAt, send } from './helpers.js';

function captureIo(env: NodeJS.ProcessEnv): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, stdout: (s) => out.push(s), stderr: (s) => err.push(s) };
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: CLI and API`, async (t) => {
    const clock = movableClock(TEST_NOW);
    const { app, db, dataDir, databaseUrl } = await testApp(t, kind, { now: clock.now });
    const h = await enroll(app, db, 'ch-a', 'server', 'srv-a');
    await send(t, app, h, reportAt(h, clock.now(), 200));
    const env = databaseUrl === null ? { VIGIE_DATA_DIR: dataDir } : { DATABASE_URL: databaseUrl, VIGIE_DATA_DIR: dataDir };
    const cli = async (...argv: string[]) => {
      const io = captureIo(env);
      const code = await runCli(argv, io);
      return { code, out: io.out.join(''), lines: io.out, err: io.err.join('') };
    };

    // Within the time box, so that the scope is what is judged (the fields are checked first).
    const soon = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const bad = await cli('waiver', 'add', '--rule', 'BKP-01', '--scope', 'rack:12', '--justification', 'Replacement ordered', '--approver', 'rssi', '--expires', soon);
    t.equal(bad.code, 2, 'bad scope is a usage error');
    t.match(bad.err, /host:ID, site:SITE, role:ROLE or site-role:SITE\/ROLE/);
    const unknownRule = await cli('waiver', 'add', '--rule', 'XYZ-99', '--scope', 'site:ch-a', '--justification', 'Replacement ordered', '--approver', 'rssi', '--expires', '2099-01-01');
    t.equal(unknownRule.code, 2);
    t.match(unknownRule.err, /not a rule of the loaded packs/);
    const past = await cli('waiver', 'add', '--rule', 'BKP-01', '--scope', 'site:ch-a', '--justification', 'Replacement ordered', '--approver', 'rssi', '--expires', '2001-01-01');
    t.equal(past.code, 2);
    t.match(past.err, /already past/);
    const unknownSite = await cli('waiver', 'add', '--rule', 'BKP-01', '--scope', 'site:ch-z', '--justification', 'Replacement ordered', '--approver', 'rssi', '--expires', soon);
    t.equal(unknownSite.code, 2, 'a site no token or host names is refused');
    t.match(unknownSite.err, /no site named "ch-z"/);
    const added = await cli('waiver', 'add', '--rule', 'BKP-01', '--scope', `host:${h.host_id}`, '--justification', 'Backup target replaced, ticket 4521', '--approver', 'rssi.dupont', '--expires', new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10), '--json');
    t.equal(added.code, 0, added.err);
    const waiver = (JSON.parse(added.out) as { waiver: { id: string } }).waiver;
    const listed = await cli('waiver', 'list', '--json');
    t.same((JSON.parse(listed.out) as { waivers: Array<{ id: string; state: string }> }).waivers.map((w) => [w.id, w.state]), [[waiver.id, 'active']]);

    const ran = await cli('audit', 'run', '--json');
    t.equal(ran.code, 0, ran.err);
    const run = JSON.parse(ran.out) as { audit_id: string; report_sha256: string; summary: { hosts: number } };
    t.equal(run.summary.hosts, 1);
    const list = await cli('audit', 'list');
    t.match(list.out, run.audit_id);

    const json = await cli('audit', 'show', run.audit_id, '--format', 'json');
    t.equal(json.code, 0);
    t.equal(createHash('sha256').update(json.out).digest('hex'), run.report_sha256, 'the JSON printed is the hashed document');
    const csv = await cli('audit', 'show', run.audit_id, '--format', 'csv', '--lang', 'en');
    t.match(csv.out, /^\ufeffaudit_id,site,role,host_id,hostname,host_state,collected_at,rule_id,rule_title,severity,status,waiver_id,explanation\r\n/);
    const html = await cli('audit', 'show', run.audit_id, '--format', 'html');
    t.match(html.out, /<html lang="fr">/);
    t.equal((await cli('audit', 'show', 'A-nope')).code, 1);
    t.equal((await cli('audit', 'show', run.audit_id, '--format', 'pdf')).code, 2);

    // The API: readers only, JSON byte for byte with its hash, CSV and HTML on request.
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/audits' })).statusCode, 401);
    const token = await readToken(db);
    const audits = await app.inject({ method: 'GET', url: '/api/v1/audits', headers: bearer(token) });
    t.equal(audits.statusCode, 200);
    t.same(
      (audits.json() as { audits: Array<{ audit_id: string }> }).audits.map((a) => a.audit_id),
      [run.audit_id],
    );
    const one = await app.inject({ method: 'GET', url: `/api/v1/audits/${run.audit_id}`, headers: bearer(token) });
    t.equal(one.statusCode, 200);
    t.match(one.headers['content-type'], /^application\/json/);
    t.equal(one.headers['x-vigie-report-sha256'], run.report_sha256);
    t.equal(createHash('sha256').update(one.body).digest('hex'), run.report_sha256);
    const csvResponse = await app.inject({ method: 'GET', url: `/api/v1/audits/${run.audit_id}?format=csv`, headers: bearer(token) });
    t.equal(csvResponse.statusCode, 200);
    t.match(csvResponse.headers['content-type'], /^text\/csv/);
    // The CLI ran on the real clock: the 2025 evidence is stale, every result unknown (never waived).
    t.match(csvResponse.body, /,srv-a,stale,/);
    t.notMatch(csvResponse.body, waiver.id, 'a waiver never covers unknown results');
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/audits/A-nope', headers: bearer(token) })).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: `/api/v1/audits/${run.audit_id}?format=exe`, headers: bearer(token) })).statusCode, 400);

    // Revoked (from the dashboard): the list says revoked, when and by whom; the expiry is kept.
    const revokedAt = new Date();
    t.match(await revokeWaiver(db, waiver.id, { now: revokedAt, actor: { type: 'user', id: 'rssi.dupont' } }), { id: waiver.id, revoked_by: 'rssi.dupont' });
    const afterRevoke = await cli('waiver', 'list');
    const [header, row] = afterRevoke.lines;
    t.equal(header?.split('\t').at(-1), 'REVOKED');
    const cells = row?.split('\t') ?? [];
    t.equal(cells[3], 'revoked', 'state');
    t.match(cells[4], /^\d{4}-\d{2}-\d{2}T/, 'the signed expiry is still there');
    t.equal(cells.at(-1), `${revokedAt.toISOString()} by rssi.dupont`);
    const asJson = JSON.parse((await cli('waiver', 'list', '--json')).out) as { waivers: Array<{ state: string; revoked_by?: string }> };
    t.match(asJson.waivers, [{ state: 'revoked', revoked_by: 'rssi.dupont' }]);
  });
}
