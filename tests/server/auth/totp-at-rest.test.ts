import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { buildApp, type App } from '../../../server/app.js';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { openTotpSecret, sealTotpSecret, totpSecretContext } from '../../../server/auth/totp-at-rest.js';
import { totpCode } from '../../../server/auth/totp.js';
import type { Database } from '../../../server/db/schema.js';
import { createLogger } from '../../../server/logger.js';
import { UnsealError } from '../../../server/secrets/sealed-secret.js';
import { openSecretsKey, readSecretsKeyFile, type SecretsKey } from '../../../server/secrets/secrets-key.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, testConfig, type TestDatabase } from '../fixture.js';
import { fullSession, PASSWORD, setupSession } from './helpers.js';

const LOGIN = '/api/v1/auth/login';
const SEALED = /^v1\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}$/;
const STEP_MS = 30_000;

interface LoggedApp {
  app: App;
  key: SecretsKey;
  /** Every log line written so far, parsed. */
  logs(): Record<string, unknown>[];
  /** Every log line so far, as written. */
  text(): string;
}

/** An app on `database` with a trace-level captured log; its secrets key is the data dir's unless given. */
async function loggedApp(t: Test, database: TestDatabase, clock: () => Date, secretsKey?: SecretsKey): Promise<LoggedApp> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = testConfig(database.dataDir, database.databaseUrl);
  const key = secretsKey ?? openSecretsKey(config);
  const app = buildApp({ db: database.db, config, now: clock, logger: createLogger('trace', sink), secretsKey: key });
  t.teardown(() => app.close());
  await app.ready();
  return { app, key, logs: () => lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), text: () => lines.join('') };
}

async function storedSecrets(db: Database, username: string) {
  return db.selectFrom('users').select(['user_id', 'totp_secret', 'totp_pending_secret']).where('username', '=', username).executeTakeFirstOrThrow();
}

async function setStored(db: Database, username: string, values: { totp_secret?: string | null; totp_pending_secret?: string | null }) {
  await db.updateTable('users').set(values).where('username', '=', username).execute();
}

/** The whole users table as text, the way a dump would show it. */
async function usersDump(db: Database): Promise<string> {
  return JSON.stringify(await db.selectFrom('users').selectAll().execute());
}

/** Error lines about a stored TOTP secret that did not open. */
function unreadableLogs(logged: LoggedApp): Record<string, unknown>[] {
  return logged.logs().filter((l) => l.level === 50 && typeof l.problem === 'string');
}

function flipFirstCiphertextByte(sealed: string): string {
  const parts = sealed.split('.');
  const body = Buffer.from(parts[3] ?? '', 'base64url');
  body[0] = (body[0] ?? 0) ^ 0x80;
  parts[3] = body.toString('base64url');
  return parts.join('.');
}

for (const kind of DB_KINDS) {
  t.test(`TOTP secrets at rest (${kind})`, async (t) => {
    t.test('the users table never holds a TOTP secret in clear, pending or enrolled', async (t) => {
      const database = await openTestDatabase(t, kind);
      const logged = await loggedApp(t, database, () => TEST_NOW);
      const { app } = logged;
      const setup = await setupSession(app, database.db, 'alice', 'rssi', TEST_NOW);
      const enroll = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: setup.cookies, headers: setup.headers });
      const secret = enroll.json().secret as string;
      t.match(secret, /^[A-Z2-7]{32}$/);
      const pending = await storedSecrets(database.db, 'alice');
      t.match(pending.totp_pending_secret, SEALED, 'the pending secret is sealed');
      t.equal(pending.totp_secret, null);
      t.notOk((await usersDump(database.db)).includes(secret), 'not in a dump during enrolment');
      t.equal(openTotpSecret(logged.key, pending.user_id, 'totp_pending_secret', pending.totp_pending_secret ?? ''), secret, 'it is that secret, sealed');

      const confirm = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies: setup.cookies, headers: setup.headers, payload: { code: totpCode(secret, TEST_NOW) } });
      t.equal(confirm.statusCode, 200);
      const enrolled = await storedSecrets(database.db, 'alice');
      t.match(enrolled.totp_secret, SEALED, 'the enrolled secret is sealed');
      t.equal(enrolled.totp_pending_secret, null);
      t.not(enrolled.totp_secret, pending.totp_pending_secret, 'sealed again for its own column');
      t.equal(openTotpSecret(logged.key, enrolled.user_id, 'totp_secret', enrolled.totp_secret ?? ''), secret);

      const bob = await fullSession(app, database.db, 'bob', 'auditor', TEST_NOW);
      const dump = await usersDump(database.db);
      for (const s of [secret, bob.totpSecret ?? 'missing']) {
        t.notOk(dump.includes(s), 'no enrolled secret in the dump');
        t.notOk(dump.toLowerCase().includes(s.toLowerCase()), 'not even in another case');
      }
      t.notMatch(dump, /[A-Z2-7]{32}/, 'nothing that looks like a base32 TOTP secret');
      t.notOk(logged.text().includes(secret), 'nor in the logs');
    });

    t.test('a secret moved to another user, or to the other column, does not open: 401 like a wrong code, logged', async (t) => {
      let clock = TEST_NOW;
      const database = await openTestDatabase(t, kind);
      const logged = await loggedApp(t, database, () => clock);
      const { app } = logged;
      const alice = await fullSession(app, database.db, 'alice', 'rssi', clock);
      const bob = await fullSession(app, database.db, 'bob', 'auditor', clock);
      const aliceSealed = (await storedSecrets(database.db, 'alice')).totp_secret;
      await setStored(database.db, 'bob', { totp_secret: aliceSealed });

      clock = new Date(clock.getTime() + STEP_MS);
      const moved = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'bob', password: PASSWORD, totp_code: totpCode(alice.totpSecret ?? '', clock) } });
      t.equal(moved.statusCode, 401, "alice's secret on bob's row does not let alice's codes in as bob");
      t.same(moved.json(), { error: { code: 'invalid_credentials', message: 'Wrong username, password or code.' } }, 'the same answer as a wrong code');
      const own = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'bob', password: PASSWORD, totp_code: totpCode(bob.totpSecret ?? '', clock) } });
      t.equal(own.statusCode, 401, "nor bob's own codes");
      const errors = unreadableLogs(logged);
      t.equal(errors.length, 2);
      t.match(errors[0], { user: 'bob', column: 'totp_secret', problem: 'authentication_failed', msg: /TOTP secret of bob \(totp_secret\) cannot be opened: .*altered, or copied from another user or column.*vigie user reset-mfa --username bob/ });
      const failures = (await listAuditEntries(database.db, { limit: 5, action: 'auth.login_failed' })).map((e) => e.details.reason);
      t.same(failures, ['totp_secret_unreadable', 'totp_secret_unreadable'], 'the audit log says why');
      t.equal((await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, totp_code: totpCode(alice.totpSecret ?? '', clock) } })).statusCode, 200, 'alice is unaffected');
      const recovery = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'bob', password: PASSWORD, recovery_code: bob.recoveryCodes[0] } });
      t.equal(recovery.statusCode, 200, 'a recovery code still lets bob in');

      // Bob's sealed secret copied into his pending column (or back) is refused too: the column is bound.
      clock = new Date(clock.getTime() + STEP_MS);
      const carol = await fullSession(app, database.db, 'carol', 'technician', clock);
      const carolSealed = (await storedSecrets(database.db, 'carol')).totp_secret;
      const dave = await setupSession(app, database.db, 'dave', 'vendor', clock);
      const daveEnroll = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: dave.cookies, headers: dave.headers });
      const davePending = (await storedSecrets(database.db, 'dave')).totp_pending_secret;
      const daveUser = (await storedSecrets(database.db, 'dave')).user_id;
      await setStored(database.db, 'dave', { totp_pending_secret: sealTotpSecret(logged.key, daveUser, 'totp_secret', daveEnroll.json().secret) });
      const confirm = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies: dave.cookies, headers: dave.headers, payload: { code: totpCode(daveEnroll.json().secret, clock) } });
      t.equal(confirm.statusCode, 409, 'a value sealed for totp_secret does not open as the pending one');
      t.equal(confirm.json().error.code, 'mfa_enrollment_not_started');
      t.match(unreadableLogs(logged).at(-1), { user: 'dave', column: 'totp_pending_secret', problem: 'authentication_failed' });
      await setStored(database.db, 'carol', { totp_secret: davePending });
      clock = new Date(clock.getTime() + STEP_MS);
      // From another address: this one has failed twice already and a third failure would lock it.
      const pendingAsEnrolled = await app.inject({ method: 'POST', url: LOGIN, remoteAddress: '192.0.2.20', payload: { username: 'carol', password: PASSWORD, totp_code: totpCode(daveEnroll.json().secret, clock) } });
      t.equal(pendingAsEnrolled.statusCode, 401, "dave's pending secret on carol's row does not open");
      await setStored(database.db, 'carol', { totp_secret: carolSealed });
      t.equal((await app.inject({ method: 'POST', url: LOGIN, remoteAddress: '192.0.2.21', payload: { username: 'carol', password: PASSWORD, totp_code: totpCode(carol.totpSecret ?? '', clock) } })).statusCode, 200, 'her own value opens again');

      // A new enrolment replaces the unusable pending value.
      const again = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: dave.cookies, headers: dave.headers });
      const confirmed = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies: dave.cookies, headers: dave.headers, payload: { code: totpCode(again.json().secret, clock) } });
      t.equal(confirmed.statusCode, 200);

      const text = logged.text();
      for (const s of [alice.totpSecret, bob.totpSecret, carol.totpSecret, daveEnroll.json().secret, again.json().secret]) t.notOk(text.includes(s ?? 'x'), 'no secret in the logs');
    });

    t.test('the wrong key, an altered value or a secret in clear fail the login with the reason in the log', async (t) => {
      let clock = TEST_NOW;
      const database = await openTestDatabase(t, kind);
      const logged = await loggedApp(t, database, () => clock);
      const alice = await fullSession(logged.app, database.db, 'alice', 'rssi', clock);
      const login = (app: App) => app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, totp_code: totpCode(alice.totpSecret ?? '', clock) } });

      // Another server of this database started with another key file.
      const dir = mkdtempSync(join(tmpdir(), 'vigie-other-key-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'other.key'), Buffer.alloc(32, 0x42), { mode: 0o600 });
      const otherKey = readSecretsKeyFile(join(dir, 'other.key'));
      const other = await loggedApp(t, database, () => clock, otherKey);
      clock = new Date(clock.getTime() + STEP_MS);
      const wrongKey = await login(other.app);
      t.equal(wrongKey.statusCode, 401);
      t.equal(wrongKey.json().error.code, 'invalid_credentials');
      t.match(unreadableLogs(other), [{ user: 'alice', problem: 'other_key', msg: new RegExp(`sealed with another secrets key \\(key id ${logged.key.id}; this server's key .*other\\.key has id ${otherKey.id}\\)`) }]);
      t.equal((await login(logged.app)).statusCode, 200, 'the right key still opens it');

      const stored = (await storedSecrets(database.db, 'alice')).totp_secret ?? '';
      await setStored(database.db, 'alice', { totp_secret: flipFirstCiphertextByte(stored) });
      clock = new Date(clock.getTime() + STEP_MS);
      t.equal((await login(logged.app)).statusCode, 401, 'altered ciphertext');
      t.match(unreadableLogs(logged).at(-1), { user: 'alice', problem: 'authentication_failed' });

      await setStored(database.db, 'alice', { totp_secret: alice.totpSecret });
      clock = new Date(clock.getTime() + STEP_MS);
      t.equal((await login(logged.app)).statusCode, 401, 'a secret written in clear is never accepted');
      t.match(unreadableLogs(logged).at(-1), { user: 'alice', problem: 'not_sealed', msg: /not sealed/ });

      await setStored(database.db, 'alice', { totp_secret: stored });
      const lockout = await listAuditEntries(database.db, { limit: 10, action: 'auth.login_failed' });
      t.same(lockout.map((e) => e.details.locked), [true, false, false], 'each counted as a failure, like a wrong code: the third locks');
      t.equal((await login(logged.app)).statusCode, 429);
      clock = new Date(clock.getTime() + 2 * STEP_MS + 1000);
      t.equal((await login(logged.app)).statusCode, 200, 'the original value opens once the lockout is over');
      for (const text of [logged.text(), other.text()]) t.notOk(text.includes(alice.totpSecret ?? 'x'), 'no secret in the logs');
    });

    t.test('reset-mfa clears the sealed secret and a new enrolment seals the new one', async (t) => {
      let clock = TEST_NOW;
      const database = await openTestDatabase(t, kind);
      const { app, key } = await loggedApp(t, database, () => clock);
      const admin = await fullSession(app, database.db, 'admin1', 'admin', clock);
      const erin = await fullSession(app, database.db, 'erin', 'auditor', clock);
      await setStored(database.db, 'erin', { totp_secret: flipFirstCiphertextByte((await storedSecrets(database.db, 'erin')).totp_secret ?? '') });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/users/erin/reset-mfa', cookies: admin.cookies, headers: admin.headers })).statusCode, 200);
      t.same(await storedSecrets(database.db, 'erin'), { user_id: (await storedSecrets(database.db, 'erin')).user_id, totp_secret: null, totp_pending_secret: null });
      clock = new Date(clock.getTime() + STEP_MS);
      const setup = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'erin', password: PASSWORD } });
      t.equal(setup.json().stage, 'setup', 'erin enrols again');
      const cookies = { '__Host-vigie_session': setup.cookies.find((c) => c.name === '__Host-vigie_session')?.value ?? '' };
      const headers = { 'x-csrf-token': setup.json().csrf_token as string };
      const enroll = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies, headers });
      const secret = enroll.json().secret as string;
      t.not(secret, erin.totpSecret);
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies, headers, payload: { code: totpCode(secret, clock) } })).statusCode, 200);
      const row = await storedSecrets(database.db, 'erin');
      t.match(row.totp_secret, SEALED);
      t.equal(openTotpSecret(key, row.user_id, 'totp_secret', row.totp_secret ?? ''), secret);
      clock = new Date(clock.getTime() + STEP_MS);
      t.equal((await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'erin', password: PASSWORD, totp_code: totpCode(secret, clock) } })).statusCode, 200);
    });
  });
}

t.test('the associated data names the column and the user', async (t) => {
  t.equal(totpSecretContext('u-1', 'totp_secret'), 'users.totp_secret:u-1');
  t.equal(totpSecretContext('u-1', 'totp_pending_secret'), 'users.totp_pending_secret:u-1');
  const key = { id: 'AAAAAAAAAAA', key: (await import('node:crypto')).createSecretKey(Buffer.alloc(32, 3)), file: '/k' };
  const sealed = sealTotpSecret(key, 'u-1', 'totp_secret', 'JBSWY3DPEHPK3PXP');
  t.equal(openTotpSecret(key, 'u-1', 'totp_secret', sealed), 'JBSWY3DPEHPK3PXP');
  t.throws(() => openTotpSecret(key, 'u-2', 'totp_secret', sealed), UnsealError);
  t.throws(() => openTotpSecret(key, 'u-1', 'totp_pending_secret', sealed), UnsealError);
});
