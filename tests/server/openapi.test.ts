// The OpenAPI document (generated from the TypeBox schemas, API token only), security headers and
// CSP, no stack traces to clients, and secrets never in the logs.
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { bearer, DB_KINDS, enrollHost, openTestDatabase, readToken, reportOf, testApp, testConfig, TEST_NOW, TEST_OS } from './fixture.js';
import { createEnrollmentToken } from '../../server/auth/tokens.js';

for (const kind of DB_KINDS) {
  t.test(`service hygiene (${kind})`, async (t) => {
    t.test('the OpenAPI document describes the API from its schemas; API token only', async (t) => {
      const { app, db } = await testApp(t, kind);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode, 401);
      const host = await enrollHost(app, db);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: bearer(host.credential) })).statusCode, 401);
      const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: bearer(await readToken(db)) });
      t.equal(response.statusCode, 200);
      const doc = response.json() as {
        openapi: string;
        info: { title: string };
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; additionalProperties?: unknown } }> }; responses: Record<string, unknown> }>>;
      };
      t.match(doc.openapi, /^3\./);
      t.equal(doc.info.title, 'Vigie API');
      const post = doc.paths['/api/v1/reports']?.post;
      t.ok(post, 'POST /api/v1/reports is documented');
      const body = post?.requestBody?.content['application/json']?.schema;
      t.ok(body?.properties?.report_id, 'the Report schema is the request body');
      t.ok(body?.properties?.network, 'with its sections');
      t.equal(body?.additionalProperties, false, 'strict, as validated');
      t.ok(post?.responses['201'] && post.responses['200'], 'stored and duplicate answers');
      t.ok(doc.paths['/api/v1/enroll']?.post, 'enrollment documented');
      t.ok(doc.paths['/api/v1/hosts']?.get, 'hosts documented');
      t.notOk(doc.paths['/metrics'], 'operational endpoints are not part of the contract');
      t.notOk(doc.paths['/api/v1/openapi.json']);
    });

    t.test('security headers and a strict CSP on every answer', async (t) => {
      const { app } = await testApp(t, kind);
      for (const url of ['/healthz', '/nowhere']) {
        const res = await app.inject({ method: 'GET', url });
        const csp = String(res.headers['content-security-policy']);
        t.match(csp, /default-src 'none'/, url);
        t.match(csp, /frame-ancestors 'none'/);
        t.match(csp, /script-src 'self'/);
        t.match(csp, /object-src 'none'/);
        t.notMatch(csp, /unsafe-inline|unsafe-eval/);
        t.equal(res.headers['x-content-type-options'], 'nosniff');
        t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
        t.equal(res.headers['referrer-policy'], 'no-referrer');
        t.notOk(res.headers['x-powered-by']);
        t.notOk(res.headers['strict-transport-security'], 'no HSTS over plain HTTP (tls.test.ts checks HTTPS)');
      }
    });

    t.test('server errors reach clients without stack traces or internals', async (t) => {
      const { app, db } = await testApp(t, kind);
      const host = await enrollHost(app, db);
      await db.destroy(); // every query now fails inside the server
      const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
      t.equal(res.statusCode, 500);
      t.same(res.json(), { error: { code: 'internal_error', message: 'Internal server error.' } });
      t.notMatch(res.body, /stack|\.ts:|\.js:|sqlite|postgres|kysely|driver/i);
    });

    t.test('secrets never reach the logs, even at trace level', async (t) => {
      const { db, dataDir, databaseUrl } = await openTestDatabase(t, kind);
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const app = buildApp({ db, config: testConfig(dataDir, databaseUrl), logger: createLogger('trace', sink), now: () => TEST_NOW });
      t.teardown(() => app.close());
      const { token } = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const enrolled = await app.inject({
        method: 'POST',
        url: '/api/v1/enroll',
        payload: { token, hostname: 'srv-01', os: TEST_OS, agent_version: '0.1.0' },
      });
      t.equal(enrolled.statusCode, 201);
      const host = enrolled.json() as { host_id: string; credential: string; site: string; role: 'server' };
      await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
      await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...bearer(`${host.host_id}.wrong-secret-XYZ123`) }, payload: reportOf(host) });
      await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: 'srv-02', os: TEST_OS, agent_version: '0.1.0' } });
      const apiToken = await readToken(db);
      await app.inject({ method: 'GET', url: '/metrics', headers: { ...bearer(apiToken), cookie: 'vigie_session=cookie-secret-123' } });
      // Code that logs an object carrying secrets by mistake is redacted too.
      app.log.info({ token, credential: host.credential, password: 'hunter2-password', headers: { authorization: `Bearer ${apiToken}` } }, 'oops');
      const output = lines.join('');
      t.ok(output.length > 0 && output.includes('"oops"'), 'logs were captured');
      const secrets = [
        token,
        token.split('.')[1]!,
        host.credential,
        host.credential.split('.')[1]!,
        'wrong-secret-XYZ123',
        apiToken,
        apiToken.split('.')[1]!,
        'cookie-secret-123',
        'hunter2-password',
      ];
      for (const secret of secrets) t.notOk(output.includes(secret), `"${secret.slice(0, 10)}…" not logged`);
      t.match(output, /\[redacted\]/);
    });
  });
}
