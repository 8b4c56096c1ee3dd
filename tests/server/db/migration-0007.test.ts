// Migration 0007 moves each verdict set into its report's row; verdict_sets becomes a view with the
// same columns. Up and down keep every set whole, on SQLite and PostgreSQL.
import { Migrator } from 'kysely';
import t from 'tap';
import { dialectOf } from '../../../server/db/columns.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import type { Database } from '../../../server/db/schema.js';
import { currentSummaries, findVerdictSet } from '../../../server/db/verdicts.js';
import { bearer, DB_KINDS, enrollHost, reportOf, testApp } from '../fixture.js';

const setsOf = async (db: Database) =>
  Promise.all(
    (await db.selectFrom('verdict_sets').select('report_id').orderBy('report_id').execute()).map(async ({ report_id }) =>
      findVerdictSet(db, report_id),
    ),
  );

for (const kind of DB_KINDS) {
  t.test(`migration 0007 keeps verdict sets whole, up and down (${kind})`, async (t) => {
    const { app, db } = await testApp(t, kind);
    const hosts = [await enrollHost(app, db, { hostname: 'a' }), await enrollHost(app, db, { hostname: 'b' })];
    for (const host of [...hosts, hosts[0]!]) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
      t.equal(response.statusCode, 201);
    }
    const before = await setsOf(db);
    t.equal(before.length, 3);
    const summaries = await currentSummaries(db, hosts.map((h) => h.host_id));

    const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialectOf(db)) });
    t.equal((await migrator.migrateTo('0006_audit_log_append_only')).error, undefined, 'down to 0006');
    t.same(await setsOf(db), before, 'a table again, with the same sets');
    const reportColumns = await db
      .selectFrom('reports')
      .selectAll()
      .executeTakeFirstOrThrow()
      .then((row) => Object.keys(row).sort());
    t.same(reportColumns, ['body', 'collected_at', 'host_id', 'received_at', 'report_id'], 'the report rows lost their verdict columns');

    t.equal((await migrator.migrateToLatest()).error, undefined, 'up again');
    t.same(await setsOf(db), before, 'carried into the report rows, read through the view');
    t.same(await currentSummaries(db, hosts.map((h) => h.host_id)), summaries, 'the fleet list reads the same counts');
  });
}
