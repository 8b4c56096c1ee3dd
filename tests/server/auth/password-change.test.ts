// Changing one's own password: it ends the user's other sessions; guessing the current password
// counts against the account's lockout, is journalled, and ends the guessing session.
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { DEFAULT_THROTTLE } from '../../../server/auth/throttle.js';
import { SESSION_COOKIE } from '../../../server/auth/session.js';
import { totpCode } from '../../../server/auth/totp.js';
import { DB_KINDS, listen, TEST_NOW, testApp } from '../fixture.js';
import { postJson } from '../../helpers/http-client.js';
import { fullSession, PASSWORD, sessionOf } from './helpers.js';

const CHANGE = '/api/v1/auth/password';
const NEW_PASSWORD = 'a brand new long passphrase';

for (const kind of DB_KINDS) {
  t.test(`password change (${kind})`, async (t) => {
    t.test("a password change ends the user's other sessions, not the one that made it", async (t) => {
      let clock = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => clock });
      const alice = await fullSession(app, db, 'alice', 'rssi', clock);
      clock = new Date(clock.getTime() + 60_000);
      const other = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD, totp_code: totpCode(alice.totpSecret ?? '', clock) } });
      t.equal(other.statusCode, 200);
      const thief = sessionOf(other, 'alice', alice.totpSecret);

      const change = await app.inject({ method: 'POST', url: CHANGE, cookies: alice.cookies, headers: alice.headers, payload: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
      t.equal(change.statusCode, 200, change.body);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: alice.cookies })).statusCode, 200, 'the changing session lives on');
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: thief.cookies })).statusCode, 401, 'the other session ended');
      const [entry] = await listAuditEntries(db, { limit: 1, action: 'user.password_changed' });
      t.match(entry?.details, { other_sessions_ended: 1 });
      t.match(await verifyAuditLog(db), { ok: true });
    });

    t.test('wrong current passwords are journalled, count against the lockout and end the session', async (t) => {
      let clock = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => clock });
      const alice = await fullSession(app, db, 'alice', 'rssi', clock);
      const guess = (current: string) => app.inject({ method: 'POST', url: CHANGE, cookies: alice.cookies, headers: alice.headers, payload: { current_password: current, new_password: NEW_PASSWORD } });
      for (let i = 1; i < DEFAULT_THROTTLE.maxFailures; i++) {
        const wrong = await guess(`wrong guess number ${i}`);
        t.equal(wrong.statusCode, 400);
        t.equal(wrong.json().error.code, 'wrong_password');
      }
      const last = await guess('the last wrong guess');
      t.equal(last.statusCode, 401);
      t.equal(last.json().error.code, 'session_ended');
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: alice.cookies })).statusCode, 401, 'the guessing session ended');
      const failed = await listAuditEntries(db, { limit: 10, action: 'user.password_change_failed' });
      t.equal(failed.length, DEFAULT_THROTTLE.maxFailures, 'each wrong guess journalled');
      t.match(failed[0]?.details, { reason: 'wrong_current_password', session_ended: true });
      t.equal((await listAuditEntries(db, { limit: 10, action: 'auth.login_locked' })).length, 1);

      // The account is locked for logins too, until the lockout ends.
      clock = new Date(clock.getTime() + 30_000);
      const login = () => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD, totp_code: totpCode(alice.totpSecret ?? '', clock) } });
      t.equal((await login()).statusCode, 429);
      clock = new Date(clock.getTime() + DEFAULT_THROTTLE.lockoutMs);
      t.equal((await login()).statusCode, 200);
      t.match(await verifyAuditLog(db), { ok: true });
    });

    t.test('concurrent guesses through the password route over HTTP are bounded by the lockout', async (t) => {
      const { app, db } = await testApp(t, kind);
      const alice = await fullSession(app, db, 'alice', 'rssi', TEST_NOW);
      const base = await listen(app);
      const headers = { cookie: `${SESSION_COOKIE}=${alice.cookies[SESSION_COOKIE]}`, ...alice.headers };
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => postJson(base, CHANGE, { current_password: `guess ${i} is wrong`, new_password: NEW_PASSWORD }, { headers })),
      );
      const evaluated = answers.filter((a) => a.status === 400 || (a.status === 401 && a.body.includes('session_ended'))).length;
      t.ok(evaluated >= 1 && evaluated <= DEFAULT_THROTTLE.maxFailures, `at most ${DEFAULT_THROTTLE.maxFailures} guesses evaluated (${evaluated})`);
      t.equal((await listAuditEntries(db, { limit: 100, action: 'user.password_change_failed' })).length, evaluated);
      t.ok(answers.every((a) => [400, 401, 429, 503].includes(a.status)), 'refused, never changed');
    });
  });
}
