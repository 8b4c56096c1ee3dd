// login_attempts rows that hold nothing any more are pruned, a bounded number per sweep: a flood
// of made-up usernames no longer leaves one row each for good, while running locks, recent
// failures, reservations in flight and refusals not yet journalled are kept.
import t from 'tap';
import { login } from '../../../server/auth/login.js';
import { LoginGuard } from '../../../server/auth/login-guard.js';
import { DEFAULT_THROTTLE, PRUNE_BATCH, pruneLoginAttempts } from '../../../server/auth/throttle.js';
import { toDbTime } from '../../../server/db/columns.js';
import type { Database } from '../../../server/db/schema.js';
import { openSecretsKey } from '../../../server/secrets/secrets-key.js';
import { DB_KINDS, openTestDatabase, TEST_NOW, testConfig } from '../fixture.js';

const HOUR = 3_600_000;
const at = (ms: number) => toDbTime(new Date(TEST_NOW.getTime() + ms));

async function subjects(db: Database): Promise<string[]> {
  return (await db.selectFrom('login_attempts').select('subject').orderBy('subject').execute()).map((r) => r.subject);
}

function row(subject: string, fields: Partial<{ failures: number; last: number; locked: number | null; reserved: number; reservedUntil: number | null; refused: number }>) {
  return {
    subject,
    failures: fields.failures ?? 1,
    last_failure_at: at(fields.last ?? -2 * HOUR),
    locked_until: fields.locked === undefined || fields.locked === null ? null : at(fields.locked),
    reserved: fields.reserved ?? 0,
    reserved_until: fields.reservedUntil === undefined || fields.reservedUntil === null ? null : at(fields.reservedUntil),
    refused: fields.refused ?? 0,
    refused_since: (fields.refused ?? 0) > 0 ? at(-2 * HOUR) : null,
  };
}

for (const kind of DB_KINDS) {
  t.test(`pruning login_attempts (${kind})`, async (t) => {
    t.test('spent rows go, rows that still hold something stay', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await db
        .insertInto('login_attempts')
        .values([
          row('user:forgotten', {}),
          row('user:lock-over', { failures: 5, locked: -HOUR }),
          row('user:stale-reservation', { reserved: 1, reservedUntil: -60_000 }),
          row('user:recent-failure', { last: -60_000 }),
          row('ip:locked', { failures: 9, locked: 10 * 60_000 }),
          row('ip:in-flight', { reserved: 1, reservedUntil: 30_000 }),
          row('ip:refusals-to-journal', { refused: 4 }),
        ])
        .execute();
      t.equal(await pruneLoginAttempts(db, TEST_NOW), 3);
      t.same(await subjects(db), ['ip:in-flight', 'ip:locked', 'ip:refusals-to-journal', 'user:recent-failure']);
    });

    t.test('bounded per call: batches of PRUNE_BATCH, the rest at the next sweep', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      const total = 2 * PRUNE_BATCH + 7;
      for (let i = 0; i < total; i += 500) {
        await db
          .insertInto('login_attempts')
          .values(Array.from({ length: Math.min(500, total - i) }, (_, j) => row(`user:intruder${i + j}`, {})))
          .execute();
      }
      t.equal(await pruneLoginAttempts(db, TEST_NOW, DEFAULT_THROTTLE, 1), PRUNE_BATCH, 'one batch per call when asked for one');
      t.equal((await subjects(db)).length, total - PRUNE_BATCH);
      t.equal(await pruneLoginAttempts(db, TEST_NOW), total - PRUNE_BATCH, 'the next sweep takes the rest');
      t.same(await subjects(db), []);
    });

    t.test("the server's sweep prunes what a flood of made-up usernames left", async (t) => {
      const database = await openTestDatabase(t, kind);
      const { db } = database;
      const guard = new LoginGuard();
      const key = openSecretsKey(testConfig(database.dataDir, database.databaseUrl));
      for (let i = 0; i < 6; i++) {
        await t.rejects(
          login(db, { key, log: { error: () => {} } }, { username: `nobody${i}`, password: 'a wrong guess' }, `192.0.2.${i}`, TEST_NOW, guard.options),
          { code: 'invalid_credentials' },
        );
      }
      t.equal((await subjects(db)).length, 12, 'one row per made-up username and per address');
      t.same(await guard.sweep(db, TEST_NOW), { journalled: 0, pruned: 0 }, 'recent failures are kept');
      const later = new Date(TEST_NOW.getTime() + DEFAULT_THROTTLE.resetAfterMs + 1000);
      t.same(await guard.sweep(db, later), { journalled: 0, pruned: 12 }, 'forgotten failures are pruned');
      t.same(await subjects(db), []);
    });
  });
}
