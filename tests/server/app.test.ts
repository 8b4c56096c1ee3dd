import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../server/app.js';
import { createEnrollmentToken } from '../../server/auth/tokens.js';
import { createLogger } from '../../server/logger.js';
import { bearer, enrollHost, openTestDatabase, reportOf, snapshot, TEST_NOW, TEST_OS, testApp, testConfig } from './fixture.js';

// Cross-cutting behaviour of the app (error format, logging); the dialect does not matter here.
const kind = 'sqlite';

t.test('GET /healthz answers ok', async (t) => {
  const { app } = await testApp(t, kind);
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { status: 'ok' });
});

t.test('unknown routes get the one error format', async (t) => {
  const { app } = await testApp(t, kind);
  const response = await app.inject({ method: 'GET', url: '/api/v1/nothing?x=1' });
  t.equal(response.statusCode, 404);
  t.same(response.json(), { error: { code: 'not_found', message: 'No route for GET /api/v1/nothing.' } });
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/v1/enroll' });
  t.equal(wrongMethod.statusCode, 404);
  t.equal(wrongMethod.json().error.code, 'not_found');
});

t.test('a server-side failure is a 500 without internals, and stores nothing', async (t) => {
  const database = await openTestDatabase(t, kind);
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  // No pack for any role: evaluation throws inside the request.
  const app = buildApp({
    db: database.db,
    config: testConfig(database.dataDir, null),
    packs: new Map(),
    now: () => TEST_NOW,
    logger: createLogger('info', sink),
  });
  t.teardown(() => app.close());
  const host = await enrollHost(app, database.db);
  const before = await snapshot(database.db);
  const response = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(host.credential), payload: reportOf(host) });
  t.equal(response.statusCode, 500);
  t.same(response.json(), { error: { code: 'internal_error', message: 'Internal server error.' } });
  t.same(await snapshot(database.db), before);
  t.ok(lines.some((l) => l.includes('no pack declares role')), 'the cause is logged for the operator');
});

t.test('logs never contain tokens or credentials', async (t) => {
  const database = await openTestDatabase(t, kind);
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const logger = createLogger('trace', sink);
  const app = buildApp({ db: database.db, config: testConfig(database.dataDir, null), now: () => TEST_NOW, logger });
  t.teardown(() => app.close());
  const { token } = await createEnrollmentToken(database.db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
  const enrolled = await app.inject({
    method: 'POST',
    url: '/api/v1/enroll',
    payload: { token, hostname: 'h', os: TEST_OS, agent_version: '1' },
  });
  const { credential } = enrolled.json() as { credential: string };
  await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(credential), payload: { bad: true } });
  await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token, hostname: 'h', os: TEST_OS, agent_version: '1' } });
  // Redaction also covers objects that carry secrets directly.
  logger.info({ req: { headers: { authorization: `Bearer ${credential}` } }, token, credential }, 'explicit');
  const text = lines.join('');
  t.ok(lines.length > 3, 'requests were logged');
  t.notOk(text.includes(token.split('.')[1] ?? '-'), 'no enrollment token secret');
  t.notOk(text.includes(credential.split('.')[1] ?? '-'), 'no credential secret');
  t.match(text, /\[redacted\]/);
});
