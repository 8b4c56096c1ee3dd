import { Writable } from 'node:stream';
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { buildApp } from '../../../server/app.js';
import { createAccount } from '../../../server/auth/accounts.js';
import { SESSION_IDLE_MS } from '../../../server/auth/session.js';
import { totpCode } from '../../../server/auth/totp.js';
import { createLogger } from '../../../server/logger.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, testApp, testConfig } from '../fixture.js';
import { fullSession, PASSWORD, sessionOf, setupSession } from './helpers.js';

const LOGIN = '/api/v1/auth/login';

for (const kind of DB_KINDS) {
  t.test(`people and sessions (${kind})`, async (t) => {
    t.test('first login is a setup session until TOTP is enrolled; then password + TOTP', async (t) => {
      let clock = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => clock });
      const setup = await setupSession(app, db, 'alice', 'rssi', clock);
      const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: setup.cookies });
      t.match(me.json(), { kind: 'user', user: { username: 'alice', role: 'rssi', mfa_enabled: false }, stage: 'setup' });
      const hosts = await app.inject({ method: 'GET', url: '/api/v1/hosts', cookies: setup.cookies });
      t.equal(hosts.statusCode, 403);
      t.equal(hosts.json().error.code, 'setup_required');

      const noCsrf = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: setup.cookies });
      t.equal(noCsrf.statusCode, 403);
      t.equal(noCsrf.json().error.code, 'csrf_invalid');
      const enroll = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: setup.cookies, headers: setup.headers });
      t.equal(enroll.statusCode, 200);
      const { secret, otpauth_uri, qr_svg, qr_png_data_url } = enroll.json();
      t.match(otpauth_uri, /^otpauth:\/\/totp\/Vigie:alice\?.*secret=/);
      t.match(qr_svg, /^<svg/);
      t.match(qr_png_data_url, /^data:image\/png;base64,/);
      const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies: setup.cookies, headers: setup.headers, payload: { code: '000000' === totpCode(secret, clock) ? '111111' : '000000' } });
      t.equal(wrong.json().error.code, 'invalid_code');
      const confirm = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies: setup.cookies, headers: setup.headers, payload: { code: totpCode(secret, clock) } });
      t.equal(confirm.json().stage, 'full');
      const codes = confirm.json().recovery_codes as string[];
      t.equal(codes.length, 10);
      t.equal(new Set(codes).size, 10);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/hosts', cookies: setup.cookies })).statusCode, 200, 'the same session is now full');
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: setup.cookies, headers: setup.headers })).json().error.code, 'mfa_already_enrolled');

      // From now on a password alone is not enough, and says nothing about which part was wrong.
      clock = new Date(clock.getTime() + 60_000);
      const passwordOnly = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } });
      t.equal(passwordOnly.statusCode, 401);
      t.equal(passwordOnly.json().error.code, 'invalid_credentials');
      const code = totpCode(secret, clock);
      const ok = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, totp_code: code } });
      t.equal(ok.statusCode, 200);
      t.equal(ok.json().stage, 'full');
      const cookie = ok.cookies.find((c) => c.name === '__Host-vigie_session');
      t.match(cookie, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
      const replay = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, totp_code: code } });
      t.equal(replay.statusCode, 401, 'a TOTP code is accepted once');

      // A recovery code works once.
      clock = new Date(clock.getTime() + 60_000);
      const recovery = codes[0] ?? '';
      t.equal((await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, recovery_code: recovery.toLowerCase() } })).statusCode, 200);
      t.equal((await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, recovery_code: recovery } })).statusCode, 401);

      // Logout ends the session.
      const session = sessionOf(ok, 'alice', secret);
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies: session.cookies, headers: session.headers })).statusCode, 204);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: session.cookies })).statusCode, 401);

      const actions = (await listAuditEntries(db, { limit: 50 })).map((e) => e.action).reverse();
      t.same(actions, ['user.created', 'auth.login', 'auth.mfa_enrolled', 'auth.login_failed', 'auth.login', 'auth.login_failed', 'auth.login', 'auth.recovery_code_used', 'auth.login_failed', 'auth.login_locked', 'auth.logout']);
      t.match(await verifyAuditLog(db), { ok: true });
    });

    t.test('three failures lock the account and the address for at least a minute', async (t) => {
      let clock = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => clock });
      await createAccount(db, { username: 'bob', role: 'auditor', password: PASSWORD }, { type: 'cli', id: 't' }, clock);
      const attempt = (username: string, password: string, ip = '192.0.2.1') =>
        app.inject({ method: 'POST', url: LOGIN, payload: { username, password }, remoteAddress: ip });
      for (let i = 0; i < 3; i++) t.equal((await attempt('bob', 'wrong password!!')).statusCode, 401);
      const locked = await attempt('bob', PASSWORD, '192.0.2.99');
      t.equal(locked.statusCode, 429, 'the account is locked, even from another address and with the right password');
      t.equal(locked.json().error.code, 'login_locked');
      t.equal(locked.headers['retry-after'], '60');
      t.equal((await attempt('someone-else', PASSWORD)).statusCode, 429, 'the address is locked too');
      clock = new Date(clock.getTime() + 59_000);
      t.equal((await attempt('bob', PASSWORD, '192.0.2.99')).statusCode, 429, 'still locked before a minute');
      clock = new Date(clock.getTime() + 2_000);
      t.equal((await attempt('bob', PASSWORD, '192.0.2.99')).statusCode, 200, 'usable again after the lockout');
      // Unknown users are throttled like real ones (no enumeration by lockout behaviour).
      for (let i = 0; i < 3; i++) t.equal((await attempt('ghost', 'x', '198.51.100.7')).statusCode, 401);
      t.equal((await attempt('ghost', 'x', '198.51.100.8')).statusCode, 429);
    });

    t.test('sessions expire when idle; disabling a user or resetting MFA ends their sessions', async (t) => {
      let clock = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => clock });
      const admin = await fullSession(app, db, 'admin1', 'admin', clock);
      const carol = await fullSession(app, db, 'carol', 'technician', clock);
      const created = await app.inject({ method: 'POST', url: '/api/v1/users', cookies: admin.cookies, headers: admin.headers, payload: { username: 'dave', role: 'vendor' } });
      t.equal(created.statusCode, 201);
      t.match(created.json(), { user: { username: 'dave', role: 'vendor', mfa_enabled: false, password_must_change: true } });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/users', cookies: admin.cookies, headers: admin.headers, payload: { username: 'dave', role: 'vendor' } })).statusCode, 409);
      const list = await app.inject({ method: 'GET', url: '/api/v1/users', cookies: admin.cookies });
      t.same(list.json().users.map((u: { username: string }) => u.username), ['admin1', 'carol', 'dave']);
      // The generated password works once and must be changed during setup.
      const dave = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'dave', password: created.json().initial_password } });
      t.equal(dave.json().stage, 'setup');

      t.equal((await app.inject({ method: 'POST', url: '/api/v1/users/carol/reset-mfa', cookies: admin.cookies, headers: admin.headers })).statusCode, 200);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: carol.cookies })).statusCode, 401, 'reset ends sessions');
      const again = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'carol', password: PASSWORD } });
      t.equal(again.json().stage, 'setup', 'carol enrols MFA again');

      t.equal((await app.inject({ method: 'POST', url: '/api/v1/users/carol/disable', cookies: admin.cookies, headers: admin.headers })).json().user.disabled_at, clock.toISOString());
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: sessionOf(again, 'carol', null).cookies })).statusCode, 401);
      t.equal((await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'carol', password: PASSWORD } })).statusCode, 401);
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/users/admin1/disable', cookies: admin.cookies, headers: admin.headers })).json().error.code, 'cannot_disable_self');

      clock = new Date(clock.getTime() + SESSION_IDLE_MS + 1000);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: admin.cookies })).statusCode, 401, 'idle session expired');
    });

    t.test('secrets never reach the logs', async (t) => {
      const database = await openTestDatabase(t, kind);
      const lines: string[] = [];
      const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
      const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW, logger: createLogger('trace', sink) });
      t.teardown(() => app.close());
      await app.ready();
      const session = await fullSession(app, database.db, 'erin', 'auditor', TEST_NOW);
      await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'erin', password: 'a wrong password', totp_code: '123456' } });
      await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: session.cookies, headers: { cookie: `__Host-vigie_session=${session.cookies['__Host-vigie_session']}` } });
      // A careless future debug line is redacted too.
      app.log.info({ body: { totp_code: '918273', new_password: 'pw-secret-xyz', recovery_code: 'ABCD-EFGH-IJKL-MNOP', csrf_token: 'csrf-secret-xyz' } }, 'debug');
      app.log.info({ user: { totp_secret: 'TOTPSECRETONE', totp_pending_secret: 'TOTPSECRETTWO', totp_secret_sealed: 'v1.sealed-one', totp_pending_secret_sealed: 'v1.sealed-two' } }, 'debug');
      const text = lines.join('');
      for (const leaked of ['918273', 'pw-secret-xyz', 'ABCD-EFGH-IJKL-MNOP', 'csrf-secret-xyz', 'TOTPSECRETONE', 'TOTPSECRETTWO', 'v1.sealed-one', 'v1.sealed-two']) {
        t.notOk(text.includes(leaked), `${leaked} redacted`);
      }
      t.ok(text.length > 0, 'something was logged');
      for (const secret of [PASSWORD, 'a wrong password', session.cookies['__Host-vigie_session'] ?? 'x', session.csrf, session.totpSecret ?? 'x']) {
        t.notOk(text.includes(secret), 'a secret is absent from the logs');
      }
    });
  });
}
