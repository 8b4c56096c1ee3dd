// /metrics (Prometheus, API token only) and /readyz (database reachable, migrations applied).
import t from 'tap';
import { bearer, DB_KINDS, enrollHost, readToken, reportOf, testApp } from './fixture.js';

for (const kind of DB_KINDS) {
  t.test(`metrics and readiness (${kind})`, async (t) => {
    t.test('/metrics needs an API token and exposes ingestion, latency and database timings', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      const stored = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
      t.equal(stored.statusCode, 201);
      const refused = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: reportOf(host) });
      t.equal(refused.statusCode, 401);

      const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
      t.equal(anonymous.statusCode, 401);
      t.equal(anonymous.json().error.code, 'unauthenticated');
      const agent = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(host.credential) });
      t.equal(agent.statusCode, 401, 'an agent credential is not an API token');

      const token = await readToken(db);
      const scraped = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
      t.equal(scraped.statusCode, 200);
      t.match(scraped.headers['content-type'], /^text\/plain/);
      const text = scraped.body;
      t.match(text, /vigie_reports_ingested_total\{outcome="stored"\} 1\b/);
      t.match(text, /vigie_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/reports",status="201"\} 1\b/);
      t.match(text, /vigie_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/reports",status="401"\} 1\b/);
      t.match(text, /vigie_db_operation_duration_seconds_count\{operation="commit_batch"\} 1\b/);
      t.match(text, /vigie_db_operation_duration_seconds_count\{operation="authenticate_agent"\} 1\b/);
      t.match(text, /vigie_ingestion_batch_size_count 1\b/);
      t.match(text, /vigie_nodejs_eventloop_lag_seconds/);
      t.notMatch(text, new RegExp(host.credential.split('.')[1]!), 'no secret in metrics');
    });

    t.test('/readyz: ready with the schema applied, 503 when a migration is missing or the database is gone', async (t) => {
      const { app, db } = await testApp(t, kind);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      t.equal(ready.statusCode, 200);
      t.same(ready.json(), { status: 'ready' });

      const last = await db.selectFrom('kysely_migration' as never).select('name' as never).orderBy('name' as never, 'desc').executeTakeFirstOrThrow();
      const name = (last as { name: string }).name;
      await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', name as never).execute();
      const pending = await app.inject({ method: 'GET', url: '/readyz' });
      t.equal(pending.statusCode, 503);
      t.equal(pending.json().error.code, 'not_ready');
      t.match(pending.json().error.message, new RegExp(name));

      await db.destroy();
      const gone = await app.inject({ method: 'GET', url: '/readyz' });
      t.equal(gone.statusCode, 503);
      t.match(gone.json().error.message, /unreachable/);
      t.notMatch(gone.body, /at .*\.(ts|js):\d+/, 'no stack trace');
      const live = await app.inject({ method: 'GET', url: '/healthz' });
      t.equal(live.statusCode, 200, 'liveness does not depend on the database');
    });
  });
}
