import type { InjectOptions } from 'fastify';
import t from 'tap';
import { REPORT_MAX_BYTES } from '../../../policies/evidence.js';
import { revokeHost } from '../../../server/db/hosts.js';
import { findReportBody } from '../../../server/db/reports.js';
import { formatCredential, hashSecret, newSecret } from '../../../server/secrets/secrets.js';
import { withListeners, listener } from '../../helpers/report-builder.js';
import { bearer, DB_KINDS, enrollHost, listen, readToken, reportOf, snapshot, TEST_NOW, testApp } from '../fixture.js';

const post = (payload: unknown, credential?: string): InjectOptions => ({
  method: 'POST',
  url: '/api/v1/reports',
  headers: credential === undefined ? {} : bearer(credential),
  payload: payload as Record<string, unknown>,
});

for (const kind of DB_KINDS) {
  t.test(`report ingestion (${kind})`, async (t) => {
    t.test('a report is stored, evaluated, and its verdicts are readable', async (t) => {
      const { app, db } = await testApp(t, kind);
      const url = await listen(app);
      const host = await enrollHost(app, db);
      // VNC on every interface: a fail the verdicts must show.
      const report = withListeners(reportOf(host), [listener(22, '10.0.0.5', 'tcp', 'sshd'), listener(5900, '0.0.0.0', 'tcp', 'x11vnc')]);
      const response = await fetch(`${url}/api/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(host.credential) },
        body: JSON.stringify(report),
      });
      t.equal(response.status, 201);
      const body = (await response.json()) as { report_id: string; status: string; verdicts: Record<string, number> };
      t.equal(body.status, 'stored');
      t.equal(body.report_id, report.report_id);
      const total = Object.values(body.verdicts).reduce((a, b) => a + b, 0);
      t.ok(total > 0, 'rules were evaluated');
      t.ok((body.verdicts.fail ?? 0) > 0, 'the exposed VNC listener fails a rule');
      t.same(await findReportBody(db, report.report_id), report, 'the validated report is stored as received');

      const apiToken = await readToken(db);
      const read = await fetch(`${url}/api/v1/hosts/${host.host_id}/verdicts`, { headers: bearer(apiToken) });
      t.equal(read.status, 200);
      const current = (await read.json()) as {
        report_id: string;
        collected_at: string;
        verdicts: { rule_id: string; status: string; explanation: { fr: string; en: string }; evaluated_at: string }[];
      };
      t.equal(current.report_id, report.report_id);
      t.equal(current.collected_at, report.collected_at);
      t.equal(current.verdicts.length, total, 'one stored verdict per evaluated rule');
      const failing = current.verdicts.filter((v) => v.status === 'fail');
      t.equal(failing.length, body.verdicts.fail);
      for (const v of current.verdicts) {
        t.ok(v.explanation.fr.length > 0 && v.explanation.en.length > 0, `${v.rule_id} is explained in both languages`);
        t.equal(v.evaluated_at, TEST_NOW.toISOString());
      }
      t.ok(failing.some((v) => /5900/.test(v.explanation.en)), 'the explanation names the exposed port');

      const hosts = await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: bearer(apiToken) });
      const listed = hosts.json().hosts[0];
      t.same(listed.verdicts, body.verdicts, 'the host list summarises the current verdicts');
      t.equal(listed.last_seen_at, TEST_NOW.toISOString());
    });

    t.test('a replayed report_id is a no-op answered 200 duplicate', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      const report = reportOf(host);
      t.equal((await app.inject(post(report, host.credential))).statusCode, 201);
      const before = await snapshot(db);
      const replay = await app.inject(post(report, host.credential));
      t.equal(replay.statusCode, 200);
      t.same(replay.json(), { report_id: report.report_id, status: 'duplicate' });
      t.same(await snapshot(db), before);
    });

    t.test('the current verdicts follow the most recently collected report', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      const newer = reportOf(host, { collected_at: new Date(TEST_NOW.getTime() - 1000).toISOString() });
      const older = reportOf(host, { collected_at: new Date(TEST_NOW.getTime() - 3_600_000).toISOString() });
      t.equal((await app.inject(post(newer, host.credential))).statusCode, 201);
      t.equal((await app.inject(post(older, host.credential))).statusCode, 201, 'a late delivery is still stored (history)');
      const current = await app.inject({ method: 'GET', url: `/api/v1/hosts/${host.host_id}/verdicts`, headers: bearer(await readToken(db)) });
      t.equal(current.json().report_id, newer.report_id);
      const rows = await db.selectFrom('verdict_sets').select('report_id').execute();
      t.equal(rows.length, 2, 'both evaluations are kept');
    });

    t.test('refused reports: right status, clear code, nothing stored', async (t) => {
      const { app, db } = await testApp(t, kind);
      const url = await listen(app);
      const host = await enrollHost(app, db);
      const other = await enrollHost(app, db, { hostname: 'other' });
      const gateway = await enrollHost(app, db, { role: 'telemaintenance-gateway', site: 'ch-sud', hostname: 'gw' });
      // One stored report per host, so "the last verdicts are unchanged" is a real check.
      t.equal((await app.inject(post(reportOf(host), host.credential))).statusCode, 201);
      t.equal((await app.inject(post(reportOf(gateway), gateway.credential))).statusCode, 201);
      const stored = reportOf(other);
      t.equal((await app.inject(post(stored, other.credential))).statusCode, 201);
      const before = await snapshot(db);

      const report = reportOf(host);
      const [hostId, secret] = host.credential.split('.') as [string, string];
      const cases: { name: string; request: () => Promise<{ status: number; body: { error: { code: string; message: string } } }>; status: number; code: string; message?: RegExp }[] = [
        { name: 'no credential', request: () => inject(post(report)), status: 401, code: 'unauthenticated' },
        { name: 'not a bearer', request: () => inject({ ...post(report), headers: { authorization: `Basic ${host.credential}` } }), status: 401, code: 'unauthenticated' },
        { name: 'wrong secret', request: () => inject(post(report, `${hostId}.${'x'.repeat(43)}`)), status: 401, code: 'unauthenticated' },
        { name: 'secret of another host', request: () => inject(post(report, `${other.host_id}.${secret}`)), status: 401, code: 'unauthenticated' },
        { name: 'garbage credential', request: () => inject(post(report, 'garbage')), status: 401, code: 'unauthenticated' },
        { name: 'credential of another host', request: () => inject(post(report, other.credential)), status: 403, code: 'host_mismatch' },
        { name: 'wrong role', request: () => inject(post(reportOf(host, { host: { role: 'workstation' } }), host.credential)), status: 409, code: 'role_mismatch' },
        { name: 'wrong site', request: () => inject(post(reportOf(host, { host: { site: 'ch-sud' } }), host.credential)), status: 409, code: 'site_mismatch' },
        { name: "another host's report_id", request: () => inject(post({ ...report, report_id: stored.report_id }, host.credential)), status: 409, code: 'report_id_conflict' },
        {
          name: 'unknown field',
          request: () => inject(post({ ...report, mfa: { sshd: { installed: true, settings: null }, totp: true } }, host.credential)),
          status: 400,
          code: 'invalid_body',
          message: /\/mfa\/totp/,
        },
        { name: 'bad value', request: () => inject(post({ ...report, schema_version: 2 }, host.credential)), status: 400, code: 'invalid_body', message: /\/schema_version/ },
        { name: 'missing field', request: () => inject(post({ ...report, wifi: undefined }, host.credential)), status: 400, code: 'invalid_body' },
        {
          name: 'malformed JSON',
          request: () => http('POST', { 'content-type': 'application/json', ...bearer(host.credential) }, '{"schema_version": 1,'),
          status: 400,
          code: 'malformed_json',
        },
        {
          name: 'not JSON',
          request: () => http('POST', { 'content-type': 'text/plain', ...bearer(host.credential) }, 'hello'),
          status: 415,
          code: 'unsupported_media_type',
        },
        {
          name: 'oversized body',
          request: () =>
            http('POST', { 'content-type': 'application/json', ...bearer(host.credential) }, JSON.stringify({ ...report, padding: 'x'.repeat(REPORT_MAX_BYTES) })),
          status: 413,
          code: 'body_too_large',
        },
      ];

      async function inject(options: InjectOptions) {
        const response = await app.inject(options);
        return { status: response.statusCode, body: response.json() };
      }
      async function http(method: string, headers: Record<string, string>, body: string) {
        const response = await fetch(`${url}/api/v1/reports`, { method, headers, body });
        return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
      }

      for (const c of cases) {
        const { status, body } = await c.request();
        t.equal(status, c.status, `${c.name}: status`);
        t.equal(body.error.code, c.code, `${c.name}: code`);
        t.type(body.error.message, 'string');
        t.notMatch(JSON.stringify(body), /at \/|node_modules|\.ts:\d+/, `${c.name}: no stack trace`);
        if (c.message !== undefined) t.match(body.error.message, c.message, `${c.name}: names the field`);
        t.same(await snapshot(db), before, `${c.name}: nothing changed`);
      }
    });

    t.test('a revoked host is refused with 403', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      t.ok(await revokeHost(db, host.host_id, TEST_NOW));
      t.notOk(await revokeHost(db, host.host_id, TEST_NOW), 'revoking twice reports false');
      const before = await snapshot(db);
      const response = await app.inject(post(reportOf(host), host.credential));
      t.equal(response.statusCode, 403);
      t.equal(response.json().error.code, 'host_revoked');
      t.same(await snapshot(db), before);
    });

    // The reports route remembers agents that authenticated (server/auth/agent-credentials.ts);
    // what changed in the database since must still win, at once, and store nothing.
    t.test('a host revoked after it reported is refused with 403 at once, then without reading its body', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      t.equal((await app.inject(post(reportOf(host), host.credential))).statusCode, 201);
      t.ok(await revokeHost(db, host.host_id, TEST_NOW), 'revoked behind the server, as `vigie host revoke` does');
      const before = await snapshot(db);
      for (const attempt of ['remembered', 'read again']) {
        const response = await app.inject(post(reportOf(host), host.credential));
        t.equal(response.statusCode, 403, attempt);
        t.equal(response.json().error.code, 'host_revoked', attempt);
      }
      // An unparseable body: refused before it is read, so the answer is still 403, not 400.
      const early = await app.inject({ ...post({}, host.credential), payload: '{not json' , headers: { ...bearer(host.credential), 'content-type': 'application/json' } });
      t.equal(early.statusCode, 403);
      t.same(await snapshot(db), before, 'nothing stored');
    });

    t.test("a host whose credential changed after it reported: the old one is refused 401, the new one accepted", async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      t.equal((await app.inject(post(reportOf(host), host.credential))).statusCode, 201);
      const secret = newSecret();
      await db.updateTable('hosts').set({ credential_hash: hashSecret(secret) }).where('host_id', '=', host.host_id).execute();
      const before = await snapshot(db);
      for (const attempt of ['remembered', 'read again']) {
        const response = await app.inject(post(reportOf(host), host.credential));
        t.equal(response.statusCode, 401, attempt);
        t.equal(response.json().error.code, 'unauthenticated', attempt);
      }
      t.same(await snapshot(db), before, 'nothing stored');
      const renewed = formatCredential(host.host_id, secret);
      t.equal((await app.inject(post(reportOf(host), renewed))).statusCode, 201);
    });

    t.test('a host moved to another role after it reported: its report judged for the old role is refused 409', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db, { role: 'server' });
      t.equal((await app.inject(post(reportOf(host), host.credential))).statusCode, 201);
      await db.updateTable('hosts').set({ role: 'telemaintenance-gateway' }).where('host_id', '=', host.host_id).execute();
      const before = await snapshot(db);
      const stale = await app.inject(post(reportOf(host), host.credential));
      t.equal(stale.statusCode, 409);
      t.equal(stale.json().error.code, 'role_mismatch');
      t.match(stale.json().error.message, /enrolled as "telemaintenance-gateway"/);
      t.same(await snapshot(db), before, 'nothing stored');
      const moved = { ...host, role: 'telemaintenance-gateway' as const };
      t.equal((await app.inject(post(reportOf(moved), host.credential))).statusCode, 201, 'a report for the new role is judged with its pack');
    });
  });
}
