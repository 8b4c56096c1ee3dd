import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { openDatabase, SQLITE_FILE_NAME } from '../../../server/db/database.js';
import { migrationsFor } from '../../../server/db/migrations/index.js';
import { dialectOf } from '../../../server/db/columns.js';
import { findReportBody } from '../../../server/db/reports.js';
import { createApiToken, createEnrollmentToken } from '../../../server/auth/tokens.js';
import { applyEvidenceRetention } from '../../../server/ingestion/retention.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, reportOf, TEST_NOW, testApp } from '../fixture.js';

t.test('SQLite: a file in dataDir with WAL, FULL sync (a commit is on disk before it is acknowledged), foreign keys and a busy timeout', async (t) => {
  const { db, dataDir } = await openTestDatabase(t, 'sqlite');
  t.ok(existsSync(join(dataDir, SQLITE_FILE_NAME)));
  const pragma = async (name: string) => Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as object)[0];
  t.equal(await pragma('journal_mode'), 'wal');
  t.equal(await pragma('synchronous'), 2, 'FULL');
  t.equal(await pragma('foreign_keys'), 1);
  t.equal(await pragma('busy_timeout'), 5000);
  t.equal(dialectOf(db), 'sqlite');
});

for (const kind of DB_KINDS) {
  t.test(`migrations and repositories (${kind})`, async (t) => {
    t.test('migrations apply once; reopening is a no-op that keeps the data', async (t) => {
      const { db, dataDir, databaseUrl } = await openTestDatabase(t, kind);
      t.equal(dialectOf(db), kind);
      await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const again = await openDatabase({ dataDir, databaseUrl });
      t.teardown(() => again.destroy());
      const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(again);
      t.same(migrations.rows.map((r) => r.name), Object.keys(migrationsFor(kind)).sort(), 'every migration applied exactly once');
      const tokens = await again.selectFrom('enrollment_tokens').select('site').execute();
      t.same(tokens, [{ site: 'ch-demo' }]);
    });

    t.test('foreign keys are enforced', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await t.rejects(
        db
          .insertInto('reports')
          .values({ report_id: 'r', host_id: 'nobody', collected_at: TEST_NOW.toISOString(), received_at: TEST_NOW.toISOString(), body: '{}' })
          .execute(),
      );
    });

    t.test('token lifetimes are bounded', async (t) => {
      const { db } = await openTestDatabase(t, kind);
      await t.rejects(createEnrollmentToken(db, { site: 'a', role: 'server', ttlHours: 0 }), RangeError);
      await t.rejects(createEnrollmentToken(db, { site: 'a', role: 'server', ttlHours: 24 * 365 }), RangeError);
      await t.rejects(createApiToken(db, { name: 'a', ttlDays: -1 }), RangeError);
      // API tokens expire by default (issue 13): a forgotten token stops working.
      const defaulted = await createApiToken(db, { name: 'a', now: TEST_NOW });
      t.equal(defaulted.expires_at, new Date(TEST_NOW.getTime() + 90 * 86_400_000).toISOString(), 'default 90 days');
      await t.rejects(createApiToken(db, { name: 'a', ttlDays: 3651 }), RangeError);
      const day = await createEnrollmentToken(db, { site: 'a', role: 'server', now: TEST_NOW });
      t.equal(day.expires_at, new Date(TEST_NOW.getTime() + 86_400_000).toISOString(), 'default 24 h');
    });

    t.test('evidence retention drops old bodies but keeps the current report and all verdicts', async (t) => {
      let now = TEST_NOW;
      const { app, db } = await testApp(t, kind, { now: () => now });
      const host = await enrollHost(app, db);
      const old = reportOf(host, { collected_at: new Date(TEST_NOW.getTime() - 1000).toISOString() });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: old })).statusCode, 201);
      now = new Date(TEST_NOW.getTime() + 10 * 86_400_000);
      const current = reportOf(host, { collected_at: now.toISOString() });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: current })).statusCode, 201);
      const verdictsBefore = await db.selectFrom('verdict_sets').select('report_id').execute();

      t.equal(await applyEvidenceRetention(db, { evidenceRetentionDays: 30 }, now), 0, 'nothing is older than 30 days');
      t.equal(await applyEvidenceRetention(db, { evidenceRetentionDays: 5 }, now), 1, 'the 10-day-old body goes');
      t.equal(await findReportBody(db, old.report_id), null);
      t.same(await findReportBody(db, current.report_id), current);
      t.equal(await applyEvidenceRetention(db, { evidenceRetentionDays: 1 }, new Date(now.getTime() + 100 * 86_400_000)), 0, 'the current report is kept');
      t.equal(verdictsBefore.length, 2);
      t.equal((await db.selectFrom('verdict_sets').select('report_id').execute()).length, verdictsBefore.length, 'verdict history is kept');
    });
  });
}
