// SQLite ingestion runs in a worker thread over its own connection: reports are acknowledged
// after its commit, stored as the JSON text received, and a thread that dies (or cannot open the
// database) answers 503 for what it held, so agents keep their reports and retry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { packForRole } from '../../../policies/pack.js';
import { committerFor, GroupCommitter, prepareReport } from '../../../server/ingestion/ingestion.js';
import { SqliteIngestionThread } from '../../../server/ingestion/ingestion-thread.js';
import { fromWire, toWire } from '../../../server/ingestion/ingestion-worker-protocol.js';
import { agentOf, bearer, DB_KINDS, enrollHost, reportOf, snapshot, testApp, TEST_NOW } from '../fixture.js';

t.test('each dialect gets its sink: a worker thread for SQLite, in-process batches for PostgreSQL', async (t) => {
  for (const kind of DB_KINDS) {
    const { db } = await testApp(t, kind);
    t.ok(committerFor(db) instanceof (kind === 'sqlite' ? SqliteIngestionThread : GroupCommitter), kind);
  }
});

t.test('the body is stored as the JSON text the agent sent', async (t) => {
  for (const kind of DB_KINDS) {
    const { app, db } = await testApp(t, kind);
    const host = await enrollHost(app, db);
    const report = reportOf(host);
    const text = JSON.stringify(report, null, 2); // indented: not what JSON.stringify would give back
    const sent = await app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { ...bearer(host.credential), 'content-type': 'application/json; charset=utf-8' },
      payload: text,
    });
    t.equal(sent.statusCode, 201, sent.body);
    const row = await db.selectFrom('reports').select('body').where('report_id', '=', report.report_id).executeTakeFirstOrThrow();
    // SQLite keeps the text as is; PostgreSQL's jsonb keeps the value.
    if (kind === 'sqlite') t.equal(row.body, text);
    else t.same(row.body, report);
  }
});

t.test('malformed JSON is refused before anything is stored, with the usual error', async (t) => {
  const { app, db } = await testApp(t, 'sqlite');
  const host = await enrollHost(app, db);
  const before = await snapshot(db);
  for (const payload of ['{"report_id":', '{"__proto__":{"x":1}}', '']) {
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: { ...bearer(host.credential), 'content-type': 'application/json' },
      payload,
    });
    t.equal(refused.statusCode, 400, JSON.stringify(payload));
    t.match(refused.json().error.code, /^(malformed_json|invalid_request)$/);
  }
  t.same(await snapshot(db), before);
});

t.test('a thread that cannot open the database refuses with 503; the next report tries a new one', async (t) => {
  const { app, db } = await testApp(t, 'sqlite');
  const enrolled = await enrollHost(app, db);
  const agent = agentOf(enrolled);
  const missing = mkdtempSync(join(tmpdir(), 'vigie-thread-'));
  rmSync(missing, { recursive: true });
  const sink = new SqliteIngestionThread(join(missing, 'nowhere', 'vigie.sqlite'));
  const pack = packForRole('server');
  for (let attempt = 0; attempt < 2; attempt++) {
    await t.rejects(sink.submit(prepareReport(reportOf(enrolled), agent, pack, TEST_NOW)), {
      statusCode: 503,
      code: 'ingestion_unavailable',
    });
    t.equal(sink.pending, 0, 'nothing left waiting');
  }
  await sink.drain();
  await t.rejects(sink.submit(prepareReport(reportOf(enrolled), agent, pack, TEST_NOW)), { statusCode: 503, code: 'shutting_down' });
});

t.test('draining an idle thread that never started is immediate', async (t) => {
  const sink = new SqliteIngestionThread(join(tmpdir(), 'never-opened.sqlite'));
  await sink.drain();
  t.equal(sink.pending, 0);
});

t.test('a prepared report crosses to the thread unchanged (flat wire form and back)', async (t) => {
  const { app, db } = await testApp(t, 'sqlite');
  const enrolled = await enrollHost(app, db);
  const item = prepareReport(reportOf(enrolled), agentOf(enrolled), packForRole('server'), TEST_NOW, '{"as":"sent"}');
  const wire = toWire(item);
  t.ok(wire.every((value) => typeof value === 'string' || typeof value === 'number'), 'only strings and numbers');
  t.same(fromWire(structuredClone(wire)), item);
});
