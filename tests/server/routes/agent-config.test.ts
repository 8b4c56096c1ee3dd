import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../../server/app.js';
import { DB_KINDS, enrollHost, openTestDatabase, testApp, testConfig, TEST_NOW } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`${kind}: GET /api/v1/agent/config`, async (t) => {
    await t.test('an enrolled agent gets its schedule and the probes of its role', async (t) => {
      const database = await openTestDatabase(t, kind);
      writeFileSync(
        join(database.dataDir, 'agent-policy.yaml'),
        'schedule: { cron: "*/10 * * * *", splay_seconds: 60 }\nprobes:\n  - { target: "https://www.example.com", expectation: blocked, roles: [server] }\n  - { target: "tcp://10.0.0.1:22", expectation: blocked, roles: [workstation] }\n',
      );
      const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW });
      t.teardown(() => app.close());
      await app.ready();
      const host = await enrollHost(app, database.db, { role: 'server' });
      const response = await app.inject({ method: 'GET', url: '/api/v1/agent/config', headers: { authorization: `Bearer ${host.credential}` } });
      t.equal(response.statusCode, 200);
      t.same(response.json(), {
        schedule: { cron: '*/10 * * * *', splay_seconds: 60 },
        probes: [{ target: 'https://www.example.com', expectation: 'blocked' }],
      });
    });

    await t.test('anyone else is refused', async (t) => {
      const { app } = await testApp(t, kind);
      const none = await app.inject({ method: 'GET', url: '/api/v1/agent/config' });
      t.equal(none.statusCode, 401);
      t.equal(none.json().error.code, 'unauthenticated');
      const forged = await app.inject({
        method: 'GET',
        url: '/api/v1/agent/config',
        headers: { authorization: 'Bearer 00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      t.equal(forged.statusCode, 401);
    });

    await t.test('a bad agent-policy.yaml stops the app at start', async (t) => {
      const database = await openTestDatabase(t, kind);
      writeFileSync(join(database.dataDir, 'agent-policy.yaml'), 'probes: nope\n');
      t.throws(() => buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW }), /agent-policy\.yaml: invalid at \/probes/);
    });
  });
}
