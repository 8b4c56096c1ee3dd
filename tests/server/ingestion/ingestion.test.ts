// Group commit, exactly-once under concurrency, retry of a failed batch, graceful drain, and the
// per-agent rate limit, on SQLite and PostgreSQL.
import { join } from 'node:path';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { packForRole } from '../../../policies/pack.js';
import { findHost } from '../../../server/db/hosts.js';
import { kyselyOverSqlite, openSqliteConnection, SQLITE_FILE_NAME } from '../../../server/db/database.js';
import { configureIngestion, GroupCommitter, KyselyReportWriter, POSTGRES_CONCURRENT_TRANSACTIONS, prepareReport, type IngestionObserver, type ReportWriter } from '../../../server/ingestion/ingestion.js';
import { SqliteReportWriter } from '../../../server/ingestion/ingestion-sqlite-writer.js';
import { BUILDER_COLLECTED_AT, collectedAt } from '../../helpers/report-builder.js';
import { agentOf, bearer, DB_KINDS, enrollHost, reportOf, snapshot, testApp, TEST_NOW, type TestApp } from '../fixture.js';

function recordingObserver() {
  const batches: number[] = [];
  const outcomes: string[] = [];
  let retried = 0;
  const observer: IngestionObserver = {
    batchCommitted: (size) => void batches.push(size),
    batchRetried: () => void (retried += 1),
    reportIngested: (status) => void outcomes.push(status),
    databaseOperation: () => {},
  };
  return { observer, batches, outcomes, retried: () => retried };
}

/** A trigger that fails inserting the report `reportId` (a database error mid-transaction). */
async function failReportInsert(db: Parameters<typeof snapshot>[0], kind: string, reportId: string): Promise<void> {
  const id = reportId.replace(/[^0-9a-f-]/g, '');
  if (kind === 'sqlite') {
    await sql.raw(`CREATE TRIGGER fail_one BEFORE INSERT ON reports WHEN NEW.report_id = '${id}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).execute(db);
    return;
  }
  await sql.raw(`CREATE FUNCTION fail_one() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql`).execute(db);
  await sql.raw(`CREATE TRIGGER fail_one BEFORE INSERT ON reports FOR EACH ROW WHEN (NEW.report_id = '${id}') EXECUTE FUNCTION fail_one()`).execute(db);
}

const countReports = async (db: Parameters<typeof snapshot>[0]) =>
  Number((await db.selectFrom('reports').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);

for (const kind of DB_KINDS) {
  t.test(`ingestion (${kind})`, async (t) => {
    t.test('concurrent reports share transactions; each is acknowledged after its commit', async (t) => {
      const { app, db } = await testApp(t, kind);
      const hosts = [await enrollHost(app, db, { hostname: 'a' }), await enrollHost(app, db, { hostname: 'b' })];
      const rec = recordingObserver();
      configureIngestion(db, { options: { maxBatch: 8, maxWaitMs: 200 }, observer: rec.observer });
      const reports = Array.from({ length: 24 }, (_, i) => reportOf(hosts[i % 2]!));
      const answers = await Promise.all(
        reports.map((report, i) =>
          app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(hosts[i % 2]!.credential), payload: report }),
        ),
      );
      t.same(answers.map((a) => a.statusCode), reports.map(() => 201));
      t.equal(await countReports(db), 24, 'every acknowledged report is stored');
      t.equal(rec.batches.reduce((a, b) => a + b, 0), 24, 'every report went through a committed batch');
      t.ok(rec.batches.every((size) => size <= 8), `batches bounded by maxBatch: ${rec.batches.join(',')}`);
      t.ok(Math.max(...rec.batches) > 1, `concurrent reports were grouped: ${rec.batches.join(',')}`);
      t.equal(rec.outcomes.filter((o) => o === 'stored').length, 24);
    });

    t.test('one report_id sent concurrently: stored once, the others are duplicates', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      configureIngestion(db, { options: { maxBatch: 16, maxWaitMs: 100 } });
      const report = reportOf(host);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: report })),
      );
      const statuses = answers.map((a) => a.statusCode).sort();
      t.same(statuses, [200, 200, 200, 200, 200, 201]);
      for (const a of answers.filter((x) => x.statusCode === 200)) t.same(a.json(), { report_id: report.report_id, status: 'duplicate' });
      t.equal(await countReports(db), 1);
    });

    t.test('one report_id from two hosts concurrently: one stored, the other refused 409', async (t) => {
      const { app, db } = await testApp(t, kind);
      const a = await enrollHost(app, db, { hostname: 'a' });
      const b = await enrollHost(app, db, { hostname: 'b' });
      configureIngestion(db, { options: { maxBatch: 16, maxWaitMs: 100 } });
      const ra = reportOf(a);
      const rb = reportOf(b, { report_id: ra.report_id });
      const [x, y] = await Promise.all([
        app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(a.credential), payload: ra }),
        app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(b.credential), payload: rb }),
      ]);
      t.same([x!.statusCode, y!.statusCode].sort(), [201, 409]);
      const refused = x!.statusCode === 409 ? x! : y!;
      t.equal(refused.json().error.code, 'report_id_conflict');
      t.equal(await countReports(db), 1);
      const winner = x!.statusCode === 201 ? a : b;
      t.equal((await findHost(db, winner.host_id))?.current_report_id, ra.report_id);
      const loser = winner === a ? b : a;
      t.equal((await findHost(db, loser.host_id))?.current_report_id, null, "the refused host's data is unchanged");
    });

    // The writers: Kysely (PostgreSQL, and SQLite in-process) and the synchronous one of the SQLite
    // ingestion thread, run here on a connection of its own (in the thread it is not measured).
    const writers: Array<[string, (testDb: TestApp) => ReportWriter]> = [['kysely', ({ db }) => new KyselyReportWriter(db)]];
    if (kind === 'sqlite') {
      writers.push([
        'sqlite-sync',
        ({ dataDir }) => {
          const sqlite = openSqliteConnection(join(dataDir, SQLITE_FILE_NAME));
          t.teardown(() => sqlite.close());
          return new SqliteReportWriter(kyselyOverSqlite(sqlite), sqlite);
        },
      ]);
    }
    /** A committer (batches of up to 10, gathered for 100 ms) over `writerFor`, and one enrolled host. */
    async function batchOfOneHost(t: Test, writerFor: (testDb: TestApp) => ReportWriter) {
      const testDb = await testApp(t, kind);
      const host = await enrollHost(testDb.app, testDb.db);
      const agent = agentOf(host);
      const rec = recordingObserver();
      const committer = new GroupCommitter(writerFor(testDb), { maxBatch: 10, maxWaitMs: 100 }, rec.observer);
      return { db: testDb.db, host, agent, pack: packForRole(agent.role), rec, committer };
    }

    for (const [writer, writerFor] of writers) {
      t.test(`${writer}: replays, a report_id reused by another host, in one batch and across batches`, async (t) => {
        const testDb = await testApp(t, kind);
        const { app, db } = testDb;
        const [a, b] = [await enrollHost(app, db, { hostname: 'a' }), await enrollHost(app, db, { hostname: 'b' })] as const;
        const pack = packForRole('server');
        const committer = new GroupCommitter(writerFor(testDb), { maxBatch: 10, maxWaitMs: 50 });
        const report = reportOf(a);
        const first = await Promise.allSettled([
          committer.submit(prepareReport(report, agentOf(a), pack, TEST_NOW)),
          committer.submit(prepareReport(report, agentOf(a), pack, TEST_NOW)),
          committer.submit(prepareReport(reportOf(b, { report_id: report.report_id }), agentOf(b), pack, TEST_NOW)),
        ]);
        t.match(first, [
          { status: 'fulfilled', value: { status: 'stored', report_id: report.report_id } },
          { status: 'fulfilled', value: { status: 'duplicate', report_id: report.report_id } },
          { status: 'rejected', reason: { statusCode: 409, code: 'report_id_conflict' } },
        ]);
        const before = await snapshot(db);
        t.match(await committer.submit(prepareReport(report, agentOf(a), pack, TEST_NOW)), { status: 'duplicate' }, 'a later replay');
        t.same(await snapshot(db), before, 'a replay changes nothing');
        t.equal((await findHost(db, b.host_id))?.current_report_id, null);
      });

      t.test(`${writer}: a report refused in the storing transaction writes nothing; its batch companions are stored`, async (t) => {
        const { db, host, agent, pack, rec, committer } = await batchOfOneHost(t, writerFor);
        const good = [reportOf(host), reportOf(host), reportOf(host)];
        // A host that is not enrolled (as if it had been deleted after it authenticated).
        const ghost = { ...agent, host_id: '00000000-0000-4000-8000-000000000000' };
        const ghostReport = reportOf({ ...host, host_id: ghost.host_id });
        // The real host, but with a credential other than its enrolled one (re-enrolled since).
        const stale = { ...agent, credential_hash: 'ab'.repeat(32) };
        const settled = await Promise.allSettled([
          ...good.map((r) => committer.submit(prepareReport(r, agent, pack, TEST_NOW))),
          committer.submit(prepareReport(ghostReport, ghost, pack, TEST_NOW)),
          committer.submit(prepareReport(reportOf(host), stale, pack, TEST_NOW)),
        ]);
        t.same(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
        t.match(settled[3], { reason: { statusCode: 401, code: 'unauthenticated' } });
        t.match(settled[4], { reason: { statusCode: 401, code: 'unauthenticated' } });
        t.same(rec.batches, [5], 'one transaction, not rolled back');
        t.equal(rec.retried(), 0);
        t.equal(await countReports(db), 3);
      });

      t.test(`${writer}: a database error rolls its batch back; the others are retried alone and stored`, async (t) => {
        const { db, host, agent, pack, rec, committer } = await batchOfOneHost(t, writerFor);
        const good = [reportOf(host), reportOf(host), reportOf(host)];
        const doomed = reportOf(host);
        // The last report of the batch fails to insert, after the three others were written.
        await failReportInsert(db, kind, doomed.report_id);
        const settled = await Promise.allSettled([
          ...good.map((r) => committer.submit(prepareReport(r, agent, pack, TEST_NOW))),
          committer.submit(prepareReport(doomed, agent, pack, TEST_NOW)),
        ]);
        t.same(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
        t.match(settled[3], { reason: { message: /injected failure/ } });
        t.equal(rec.retried(), 1, 'the batch was retried report by report');
        t.equal(await countReports(db), 3);
        t.equal(await db.selectFrom('reports').select('report_id').where('report_id', '=', doomed.report_id).executeTakeFirst(), undefined, 'its report row was rolled back');
        t.equal((await findHost(db, host.host_id))?.current_report_id === doomed.report_id, false);
      });

      t.test(`${writer}: drain writes every queued report, then refuses new ones (graceful shutdown)`, async (t) => {
        const testDb = await testApp(t, kind);
        const { app, db } = testDb;
        const host = await enrollHost(app, db);
        const agent = agentOf(host);
        const pack = packForRole(agent.role);
        const committer = new GroupCommitter(writerFor(testDb), { maxBatch: 2, maxWaitMs: 1000 });
        const reports = Array.from({ length: 5 }, () => reportOf(host));
        const pending = reports.map((r) => committer.submit(prepareReport(r, agent, pack, TEST_NOW)));
        t.equal(committer.pending, 5, 'queued, waiting for companions');
        await committer.drain();
        const results = await Promise.all(pending);
        t.same(results.map((r) => r.status), ['stored', 'stored', 'stored', 'stored', 'stored']);
        t.equal(await countReports(db), 5);
        await t.rejects(committer.submit(prepareReport(reports[0]!, agent, pack, TEST_NOW)), { statusCode: 503, code: 'shutting_down' });
      });
    }

    t.test('transactions at once: one on SQLite, a few on PostgreSQL; every report answered once', async (t) => {
      const { app, db } = await testApp(t, kind);
      const hosts = await Promise.all(Array.from({ length: 6 }, (_, i) => enrollHost(app, db, { hostname: `h${i}` })));
      const kysely = new KyselyReportWriter(db);
      let running = 0;
      let most = 0;
      const counting: ReportWriter = {
        concurrentTransactions: kysely.concurrentTransactions,
        async writeBatch(items) {
          most = Math.max(most, (running += 1));
          try {
            return await kysely.writeBatch(items);
          } finally {
            running -= 1;
          }
        },
      };
      const committer = new GroupCommitter(counting, { maxBatch: 2, maxWaitMs: 0 });
      // Collected one second apart, so each host's current report is known whatever the commit order.
      const at = (i: number) => new Date(Date.parse(BUILDER_COLLECTED_AT) + i * 1000).toISOString();
      const reports = Array.from({ length: 24 }, (_, i) => [collectedAt(reportOf(hosts[i % 6]!), at(i)), agentOf(hosts[i % 6]!)] as const);
      const pack = packForRole('server');
      const results = await Promise.all(reports.map(([report, agent]) => committer.submit(prepareReport(report, agent, pack, TEST_NOW))));
      t.same(results.map((r) => r.status), reports.map(() => 'stored'));
      t.equal(await countReports(db), 24);
      if (kind === 'sqlite') t.equal(most, 1, 'one writer');
      else t.ok(most > 1 && most <= POSTGRES_CONCURRENT_TRANSACTIONS, `${most} at once, within the bound`);
      // Every host's current report is its last collected one, whatever the order of the commits.
      for (const [i, host] of hosts.entries()) {
        t.equal((await findHost(db, host.host_id))?.current_report_id, reports[18 + i]![0].report_id);
      }
    });

    t.test('closing the app finishes in-flight commits before resolving', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      const committer = configureIngestion(db, { options: { maxBatch: 100, maxWaitMs: 1000 } });
      const inflight = Array.from({ length: 4 }, () =>
        app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) }),
      );
      for (let i = 0; i < 200 && committer.pending < 4; i++) await new Promise((r) => setTimeout(r, 10));
      t.equal(committer.pending, 4, 'four reports waiting in the queue');
      await app.close();
      t.same((await Promise.all(inflight)).map((a) => a.statusCode), [201, 201, 201, 201]);
      t.equal(await countReports(db), 4);
    });

    t.test('per-agent rate limit: 429 with Retry-After in the standard error format, per host', async (t) => {
      const { app, db } = await testApp(t, kind, { config: { reportRateLimitPerMinute: 3 } });
      const a = await enrollHost(app, db, { hostname: 'a' });
      const b = await enrollHost(app, db, { hostname: 'b' });
      for (let i = 0; i < 3; i++) {
        const ok = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(a.credential), payload: reportOf(a) });
        t.equal(ok.statusCode, 201);
      }
      const before = await snapshot(db);
      const limited = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(a.credential), payload: reportOf(a) });
      t.equal(limited.statusCode, 429);
      t.match(limited.headers['retry-after'], /^\d+$/);
      t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60);
      t.same(Object.keys(limited.json()), ['error']);
      t.equal(limited.json().error.code, 'rate_limited');
      t.notMatch(limited.body, /at .*\.(ts|js):\d+/, 'no stack trace');
      t.same(await snapshot(db), before, 'the limited report is not stored');
      const other = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(b.credential), payload: reportOf(b) });
      t.equal(other.statusCode, 201, 'another agent is not limited');
      // A forged credential naming host a is refused by authentication, not counted against a.
      const forged = await app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: bearer(`${a.host_id}.${'x'.repeat(43)}`),
        payload: reportOf(a),
      });
      t.equal(forged.statusCode, 401);
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      t.equal(health.statusCode, 200, 'other routes are not limited');
    });
  });
}
