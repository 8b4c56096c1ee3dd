import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import { createAccount } from '../../../server/auth/accounts.js';
import { openTotpSecret } from '../../../server/auth/totp-at-rest.js';
import { checkStoredTotpSecrets } from '../../../server/auth/totp-secrets-at-start.js';
import { newTotpSecret, totpCode } from '../../../server/auth/totp.js';
import { runCli } from '../../../server/cli/run.js';
import type { Database } from '../../../server/db/schema.js';
import { createLogger } from '../../../server/logger.js';
import { initSecretsKey, readSecretsKeyFile, SECRETS_KEY_FILE_NAME } from '../../../server/secrets/secrets-key.js';
import { startServer, type RunningServer } from '../../../server/start.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, type TestDatabase } from '../fixture.js';
import { fullSession, PASSWORD } from './helpers.js';

const LOGIN = '/api/v1/auth/login';
const SEALED = /^v1\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}$/;
const ACTOR = { type: 'cli', id: 'tests' } as const;

interface Started {
  server: RunningServer;
  logs: () => Record<string, unknown>[];
}

/** startServer on the test database, its clock at `now`, its log captured. */
async function start(t: Test, database: TestDatabase, now: () => Date): Promise<Started> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const server = await startServer(
    { dataDir: database.dataDir, databaseUrl: database.databaseUrl, port: 0, logLevel: 'info' },
    { env: {}, now, logger: createLogger('info', sink) },
  );
  t.teardown(() => server.close());
  return { server, logs: () => lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A user as a database from before sealing holds them: the base32 secret in clear. */
async function legacyUser(db: Database, username: string, values: { totp_secret?: string; totp_pending_secret?: string }): Promise<void> {
  await createAccount(db, { username, role: 'rssi', password: PASSWORD }, ACTOR, TEST_NOW);
  if (Object.keys(values).length > 0) await db.updateTable('users').set(values).where('username', '=', username).execute();
}

async function stored(db: Database) {
  return db.selectFrom('users').select(['username', 'user_id', 'totp_secret', 'totp_pending_secret']).orderBy('username').execute();
}

const sealedEntries = async (db: Database) => listAuditEntries(db, { limit: 10, action: 'auth.totp_secrets_sealed' });

for (const kind of DB_KINDS) {
  t.test(`TOTP secrets at server start (${kind})`, async (t) => {
    t.test('secrets in clear are sealed once at start; the same authenticator codes still log in', async (t) => {
      let clock = TEST_NOW;
      const database = await openTestDatabase(t, kind);
      const alice = newTotpSecret();
      const bob = newTotpSecret();
      await legacyUser(database.db, 'alice', { totp_secret: alice });
      await legacyUser(database.db, 'bob', { totp_pending_secret: bob });
      await legacyUser(database.db, 'carol', {});
      await legacyUser(database.db, 'dave', { totp_secret: 'not-a-secret!' });
      const before = await stored(database.db);
      t.ok(JSON.stringify(before).includes(alice), 'the old database holds the secret in clear');

      const first = await start(t, database, () => clock);
      const rows = await stored(database.db);
      const key = readSecretsKeyFile(join(database.dataDir, SECRETS_KEY_FILE_NAME));
      const [aliceRow, bobRow, carolRow, daveRow] = rows;
      t.match(aliceRow, { username: 'alice', totp_secret: SEALED, totp_pending_secret: null });
      t.match(bobRow, { username: 'bob', totp_secret: null, totp_pending_secret: SEALED });
      t.match(carolRow, { username: 'carol', totp_secret: null, totp_pending_secret: null });
      t.match(daveRow, { username: 'dave', totp_secret: 'not-a-secret!' }, 'an unrecognised value is left as it is');
      t.equal(openTotpSecret(key, aliceRow?.user_id ?? '', 'totp_secret', aliceRow?.totp_secret ?? ''), alice);
      t.equal(openTotpSecret(key, bobRow?.user_id ?? '', 'totp_pending_secret', bobRow?.totp_pending_secret ?? ''), bob);
      const dump = JSON.stringify(rows);
      t.notOk(dump.includes(alice) || dump.includes(bob), 'no secret in clear left in the table');

      const logs = first.logs();
      t.match(logs.find((l) => l.sealed !== undefined), { level: 30, sealed: 2, key_id: key.id, msg: /now sealed/ }, 'the count is logged');
      t.match(logs.find((l) => l.level === 40), { count: 1, values: [{ user: 'dave', column: 'totp_secret', problem: 'malformed' }] }, 'the unusable value is reported');
      const entries = await sealedEntries(database.db);
      t.equal(entries.length, 1, 'one audit entry');
      t.match(entries[0], { actor: { type: 'system', id: 'server-start' }, target: null, details: { values_sealed: 2, key_id: key.id } });
      t.match(await verifyAuditLog(database.db), { ok: true });
      t.notOk(JSON.stringify(logs).includes(alice), 'the log holds no secret');

      // The authenticator app enrolled before the change keeps working, through the running server.
      clock = new Date(clock.getTime() + 30_000);
      const app = first.server.app;
      const login = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, totp_code: totpCode(alice, clock) } });
      t.equal(login.statusCode, 200, login.body);
      t.equal(login.json().stage, 'full');
      // Bob was between "enroll" and "confirm": his pending secret confirms as before.
      const setup = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'bob', password: PASSWORD } });
      const cookies = { '__Host-vigie_session': setup.cookies.find((c) => c.name === '__Host-vigie_session')?.value ?? '' };
      const confirm = await app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies, headers: { 'x-csrf-token': setup.json().csrf_token }, payload: { code: totpCode(bob, clock) } });
      t.equal(confirm.statusCode, 200, confirm.body);
      const dave = await app.inject({ method: 'POST', url: LOGIN, payload: { username: 'dave', password: PASSWORD, totp_code: '123456' } });
      t.equal(dave.statusCode, 401, 'the unusable value fails its login');
      await first.server.close();

      // Idempotent: a restart finds nothing to seal and writes nothing.
      const afterFirst = await stored(database.db);
      const second = await start(t, database, () => clock);
      t.same(await stored(database.db), afterFirst, 'nothing rewritten');
      t.equal((await sealedEntries(database.db)).length, 1, 'no second audit entry');
      t.notOk(second.logs().some((l) => l.sealed !== undefined), 'nothing sealed, nothing logged as sealed');
      clock = new Date(clock.getTime() + 30_000);
      t.equal((await second.server.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD, totp_code: totpCode(alice, clock) } })).statusCode, 200);
    });

    // Replicas share PostgreSQL; SQLite has one server, and two in one process would block each
    // other's synchronous busy wait, so this race is run where it can happen.
    if (kind === 'postgres') t.test('two servers starting together seal each value once', async (t) => {
      const database = await openTestDatabase(t, kind);
      const secrets = Array.from({ length: 5 }, () => newTotpSecret());
      for (const [i, secret] of secrets.entries()) await legacyUser(database.db, `user${i}`, { totp_secret: secret });
      const [a, b] = await Promise.all([start(t, database, () => TEST_NOW), start(t, database, () => TEST_NOW)]);
      const counts = [a, b].map((s) => Number(s.logs().find((l) => l.sealed !== undefined)?.sealed ?? 0));
      t.equal((counts[0] ?? 0) + (counts[1] ?? 0), 5, `each value sealed by one of them (${counts.join(' + ')})`);
      const entries = await sealedEntries(database.db);
      t.equal(entries.reduce((sum, e) => sum + Number(e.details.values_sealed), 0), 5, 'the audit entries add up to the values sealed');
      t.ok(entries.length >= 1 && entries.length <= 2);
      const key = readSecretsKeyFile(join(database.dataDir, SECRETS_KEY_FILE_NAME));
      for (const row of await stored(database.db)) {
        t.equal(openTotpSecret(key, row.user_id, 'totp_secret', row.totp_secret ?? ''), secrets[Number(row.username.slice(4))], `${row.username} sealed once, opens`);
      }
      t.match(await verifyAuditLog(database.db), { ok: true });
    });

    t.test('secrets sealed with another key stop the start, naming the users; reset-mfa lets it start', async (t) => {
      let clock = TEST_NOW;
      const database = await openTestDatabase(t, kind);
      const first = await start(t, database, () => clock);
      const alice = await fullSession(first.server.app, database.db, 'alice', 'rssi', clock);
      await fullSession(first.server.app, database.db, 'bob', 'auditor', clock);
      await createAccount(database.db, { username: 'carol', role: 'auditor', password: PASSWORD }, ACTOR, clock);
      const carolSetup = await first.server.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'carol', password: PASSWORD } });
      const carolCookies = { '__Host-vigie_session': carolSetup.cookies.find((c) => c.name === '__Host-vigie_session')?.value ?? '' };
      await first.server.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies: carolCookies, headers: { 'x-csrf-token': carolSetup.json().csrf_token } });
      await first.server.close();
      const before = await stored(database.db);

      // The key file is lost (say, a database restored without it): a new one is made at start.
      const keyFile = join(database.dataDir, SECRETS_KEY_FILE_NAME);
      const oldKey = readSecretsKeyFile(keyFile);
      writeFileSync(keyFile, randomBytes(32));
      chmodSync(keyFile, 0o600);
      const newKey = readSecretsKeyFile(keyFile);
      await t.rejects(start(t, database, () => clock), {
        name: 'SecretsKeyError',
        message: new RegExp(
          `Refusing to start: the TOTP secrets of 2 user\\(s\\) \\(alice, bob\\) were sealed with another secrets key \\(key id ${oldKey.id}\\) ` +
            `than .*secrets\\.key \\(key id ${newKey.id}\\).*VIGIE_SECRETS_KEY_FILE.*vigie user reset-mfa --username U`,
        ),
      });
      t.same(await stored(database.db), before, 'nothing changed');

      const env: NodeJS.ProcessEnv = database.databaseUrl === null ? {} : { DATABASE_URL: database.databaseUrl };
      const io = { stdout: () => {}, stderr: () => {}, env };
      for (const username of ['alice', 'bob']) t.equal(await runCli(['user', 'reset-mfa', '--username', username, '--data-dir', database.dataDir], io), 0);
      const again = await start(t, database, () => clock);
      t.match(again.logs().find((l) => l.level === 40), { count: 1, values: [{ user: 'carol', column: 'totp_pending_secret', problem: 'other_key' }] }, "carol's unfinished enrolment only warns");
      clock = new Date(clock.getTime() + 30_000);
      const setup = await again.server.app.inject({ method: 'POST', url: LOGIN, payload: { username: 'alice', password: PASSWORD } });
      t.equal(setup.json().stage, 'setup', 'alice enrols again after the reset');
      const cookies = { '__Host-vigie_session': setup.cookies.find((c) => c.name === '__Host-vigie_session')?.value ?? '' };
      const headers = { 'x-csrf-token': setup.json().csrf_token as string };
      const enroll = await again.server.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/enroll', cookies, headers });
      t.not(enroll.json().secret, alice.totpSecret);
      t.equal((await again.server.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/confirm', cookies, headers, payload: { code: totpCode(enroll.json().secret, clock) } })).statusCode, 200);
      const aliceRow = (await stored(database.db)).find((r) => r.username === 'alice');
      t.equal(openTotpSecret(newKey, aliceRow?.user_id ?? '', 'totp_secret', aliceRow?.totp_secret ?? ''), enroll.json().secret, 'sealed with the new key');
    });
  });
}

t.test('checkStoredTotpSecrets on a database without users does nothing', async (t) => {
  const database = await openTestDatabase(t, 'sqlite');
  const { key } = initSecretsKey({ dataDir: database.dataDir, secretsKeyFile: null });
  const logged: unknown[] = [];
  const log = { info: (...args: unknown[]) => void logged.push(args), warn: (...args: unknown[]) => void logged.push(args) };
  t.same(await checkStoredTotpSecrets(database.db, key, log as never, TEST_NOW), { sealed: 0, unusable: 0 });
  t.same(logged, []);
  t.same(await sealedEntries(database.db), []);
});
