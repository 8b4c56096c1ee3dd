// Migration 0005 carries the old per-rule verdict rows over into verdict sets, whole: their
// statuses, counts and texts (shown as "frozen"), on SQLite and PostgreSQL.
import { Migrator } from 'kysely';
import t from 'tap';
import { packForRole } from '../../../policies/pack.js';
import { dialectOf } from '../../../server/db/columns.js';
import { StaticMigrationProvider } from '../../../server/db/migrations/index.js';
import type { Database } from '../../../server/db/schema.js';
import { currentSummaries, findVerdictSet } from '../../../server/db/verdicts.js';
import { reportVerdicts } from '../../../server/verdicts/verdict-details.js';
import { bearer, DB_KINDS, enrollHost, reportOf, testApp, TEST_NOW } from '../fixture.js';

interface OldRow {
  report_id: string;
  host_id: string;
  rule_id: string;
  status: string;
  severity: string;
  title: string;
  explanation: string;
  evidence: string;
  threshold: string | null;
  rule_references: string;
  evaluated_at: string;
}

const oldRow = (report_id: string, host_id: string, rule_id: string, status: string): OldRow => ({
  report_id,
  host_id,
  rule_id,
  status,
  severity: 'high',
  title: JSON.stringify({ fr: `Titre ${rule_id}`, en: `Title ${rule_id}` }),
  explanation: JSON.stringify({ fr: `Pourquoi ${status}`, en: `Why ${status}` }),
  evidence: JSON.stringify(['/network/listeners']),
  threshold: 'a threshold',
  rule_references: JSON.stringify(['HYG M17']),
  evaluated_at: TEST_NOW.toISOString(),
});

for (const kind of DB_KINDS) {
  t.test(`migration 0005 carries verdict rows over (${kind})`, async (t) => {
    const { app, db } = await testApp(t, kind);
    const host = await enrollHost(app, db);
    const report = reportOf(host);
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report })).statusCode, 201);

    const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialectOf(db)) });
    const down = await migrator.migrateTo('0004_audit');
    t.equal(down.error, undefined, 'down to 0004');
    const old = db as unknown as Database & { insertInto(table: 'verdicts'): { values(rows: OldRow[]): { execute(): Promise<unknown> } } };
    await old
      .insertInto('verdicts')
      .values([
        oldRow(report.report_id, host.host_id, 'NET-01', 'pass'),
        oldRow(report.report_id, host.host_id, 'NET-05', 'fail'),
        oldRow(report.report_id, host.host_id, 'WIFI-01', 'not_applicable'),
      ])
      .execute();
    const up = await migrator.migrateToLatest();
    t.equal(up.error, undefined, 'up again');

    const set = await findVerdictSet(db, report.report_id);
    t.same(set?.summary, { pass: 1, warn: 0, fail: 1, not_applicable: 1, unknown: 0 });
    t.same(set?.results.map((r) => [r.rule_id, r.status, r.severity]), [
      ['NET-01', 'pass', 'high'],
      ['NET-05', 'fail', 'high'],
      ['WIFI-01', 'not_applicable', 'high'],
    ]);
    t.equal(set?.pack_fingerprint, 'legacy');
    const shown = await reportVerdicts(db, report.report_id, packForRole('server'));
    t.equal(shown?.source, 'frozen', 'the texts written then are the ones shown');
    t.same(shown?.verdicts.find((v) => v.rule_id === 'NET-05'), {
      rule_id: 'NET-05',
      title: { fr: 'Titre NET-05', en: 'Title NET-05' },
      severity: 'high',
      status: 'fail',
      explanation: { fr: 'Pourquoi fail', en: 'Why fail' },
      evidence: ['/network/listeners'],
      threshold: 'a threshold',
      references: ['HYG M17'],
    });
    t.same((await currentSummaries(db, [host.host_id])).get(host.host_id), set?.summary, 'the fleet list reads the counts');
  });
}
