import t from 'tap';
import { createEnrollmentToken } from '../../../server/auth/tokens.js';
import { findHost } from '../../../server/db/hosts.js';
import { DB_KINDS, listen, snapshot, TEST_NOW, TEST_OS, testApp } from '../fixture.js';

const enrollBody = (token: string, extra: Record<string, unknown> = {}) => ({
  token,
  hostname: 'ws-042.ch-demo.local',
  os: TEST_OS,
  agent_version: '0.1.0',
  ...extra,
});

for (const kind of DB_KINDS) {
  t.test(`enrollment (${kind})`, async (t) => {
    t.test('a valid token enrolls a host over real HTTP', async (t) => {
      const { app, db } = await testApp(t, kind);
      const url = await listen(app);
      const { token } = await createEnrollmentToken(db, { site: 'ght-nord', role: 'workstation', now: TEST_NOW });
      const response = await fetch(`${url}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(enrollBody(token)),
      });
      t.equal(response.status, 201);
      const body = (await response.json()) as { host_id: string; credential: string; site: string; role: string };
      t.match(body.host_id, /^[0-9a-f-]{36}$/);
      t.equal(body.site, 'ght-nord', 'the site comes from the token');
      t.equal(body.role, 'workstation', 'the role comes from the token');
      t.ok(body.credential.startsWith(`${body.host_id}.`), 'credential is <host_id>.<secret>');
      const host = await findHost(db, body.host_id);
      t.equal(host?.hostname, 'ws-042.ch-demo.local');
      t.same(host?.os, TEST_OS);
      t.equal(host?.enrolled_at, TEST_NOW.toISOString());
      const stored = await db.selectFrom('hosts').select('credential_hash').where('host_id', '=', body.host_id).executeTakeFirstOrThrow();
      t.not(stored.credential_hash, body.credential.split('.')[1], 'only a digest of the secret is stored');
      t.match(stored.credential_hash, /^[0-9a-f]{64}$/);
    });

    t.test('a used token is refused and nothing changes', async (t) => {
      const { app, db } = await testApp(t, kind);
      const { token } = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const first = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: enrollBody(token) });
      t.equal(first.statusCode, 201);
      const before = await snapshot(db);
      const again = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: enrollBody(token, { hostname: 'other' }) });
      t.equal(again.statusCode, 409);
      t.equal(again.json().error.code, 'token_already_used');
      t.same(await snapshot(db), before);
    });

    t.test('an expired token is refused; its exact expiry instant is still valid', async (t) => {
      let now = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => now });
      const created = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', ttlHours: 1, now: TEST_NOW });
      const before = await snapshot(db);
      now = new Date(Date.parse(created.expires_at) + 1);
      const late = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: enrollBody(created.token) });
      t.equal(late.statusCode, 401);
      t.equal(late.json().error.code, 'token_expired');
      t.same(await snapshot(db), before, 'nothing written');
      now = new Date(created.expires_at);
      const onTime = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: enrollBody(created.token) });
      t.equal(onTime.statusCode, 201, 'inclusive boundary');
    });

    t.test('unknown, forged and malformed tokens are refused as token_invalid', async (t) => {
      const { app, db } = await testApp(t, kind);
      const { token } = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const before = await snapshot(db);
      const [prefix] = token.split('.');
      const forged = `${prefix}.${'A'.repeat(43)}`;
      const unknown = `enr_${'B'.repeat(16)}.${'C'.repeat(43)}`;
      for (const candidate of [forged, unknown, 'not-a-token', `${token}x`]) {
        const response = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: enrollBody(candidate) });
        t.equal(response.statusCode, 401, candidate);
        t.same(response.json(), { error: { code: 'token_invalid', message: 'The enrollment token is unknown or malformed.' } });
      }
      t.same(await snapshot(db), before);
    });

    t.test('the request schema is strict and errors name the field', async (t) => {
      const { app, db } = await testApp(t, kind);
      const { token } = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const before = await snapshot(db);
      const unknownField = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: enrollBody(token, { role: 'admin-workstation' }) });
      t.equal(unknownField.statusCode, 400);
      t.equal(unknownField.json().error.code, 'invalid_body');
      t.match(unknownField.json().error.message, /\/role/);
      t.match(unknownField.json().error.details, [{ field: '/role', reason: /unknown field/ }]);

      const badOs = await app.inject({
        method: 'POST',
        url: '/api/v1/enroll',
        payload: enrollBody(token, { os: { ...TEST_OS, platform: 'beos' } }),
      });
      t.equal(badOs.statusCode, 400);
      t.match(badOs.json().error.details, [{ field: '/os/platform' }]);

      const missing = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token } });
      t.equal(missing.statusCode, 400);
      t.same(await snapshot(db), before, 'the token is still unused');
    });

    t.test('two concurrent enrollments with one token: exactly one wins', async (t) => {
      const { app, db } = await testApp(t, kind);
      const url = await listen(app);
      const { token } = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const attempt = () =>
        fetch(`${url}/api/v1/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(enrollBody(token)),
        });
      const statuses = (await Promise.all([attempt(), attempt(), attempt()])).map((r) => r.status).sort();
      t.same(statuses, [201, 409, 409]);
      const hosts = await db.selectFrom('hosts').select('host_id').execute();
      t.equal(hosts.length, 1);
    });
  });
}
