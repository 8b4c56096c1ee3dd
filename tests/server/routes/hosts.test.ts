import t from 'tap';
import { createApiToken, revokeApiToken } from '../../../server/auth/tokens.js';
import { revokeHost } from '../../../server/db/hosts.js';
import { bearer, DB_KINDS, enrollHost, listen, readToken, reportOf, TEST_NOW, TEST_OS, testApp } from '../fixture.js';

for (const kind of DB_KINDS) {
  t.test(`fleet reads (${kind})`, async (t) => {
    t.test('reads require a valid API token', async (t) => {
      const { app, db } = await testApp(t, kind);
      const url = await listen(app);
      const host = await enrollHost(app, db);
      const expiring = await createApiToken(db, { name: 'short', ttlDays: 1, now: TEST_NOW });
      const revoked = await createApiToken(db, { name: 'revoked', now: TEST_NOW });
      t.ok(await revokeApiToken(db, revoked.token_id, TEST_NOW));
      const expired = await createApiToken(db, { name: 'expired', ttlDays: 1, now: new Date(TEST_NOW.getTime() - 2 * 86_400_000) });
      const [tokenId] = expiring.token.split('.');
      const refused: [string, Record<string, string>][] = [
        ['no header', {}],
        ['agent credential', bearer(host.credential)],
        ['forged secret', bearer(`${tokenId}.${'z'.repeat(43)}`)],
        ['revoked token', bearer(revoked.token)],
        ['expired token', bearer(expired.token)],
        ['oversized header', bearer('a'.repeat(10_000))],
      ];
      for (const path of ['/api/v1/hosts', `/api/v1/hosts/${host.host_id}/verdicts`]) {
        for (const [name, headers] of refused) {
          const response = await fetch(`${url}${path}`, { headers });
          t.equal(response.status, 401, `${path} ${name}`);
          t.equal(((await response.json()) as { error: { code: string } }).error.code, 'unauthenticated');
        }
        const ok = await fetch(`${url}${path}`, { headers: bearer(expiring.token) });
        t.equal(ok.status, 200, `${path} with a valid token`);
      }
    });

    t.test('the host list shows identity, state and verdict summary', async (t) => {
      const { app, db } = await testApp(t, kind);
      const token = await readToken(db);
      const a = await enrollHost(app, db, { site: 'ch-nord', role: 'workstation', hostname: 'ws-a' });
      const b = await enrollHost(app, db, { site: 'ch-sud', role: 'server', hostname: 'srv-b' });
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: bearer(b.credential), payload: reportOf(b) })).statusCode, 201);
      await revokeHost(db, a.host_id, TEST_NOW);

      const response = await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: bearer(token) });
      t.equal(response.statusCode, 200);
      const hosts = response.json().hosts as Record<string, unknown>[];
      t.equal(hosts.length, 2);
      t.match(hosts[0], {
        host_id: a.host_id,
        hostname: 'ws-a',
        site: 'ch-nord',
        role: 'workstation',
        os: TEST_OS,
        enrolled_at: TEST_NOW.toISOString(),
        last_seen_at: null,
        revoked: true,
        verdicts: { pass: 0, warn: 0, fail: 0, not_applicable: 0, unknown: 0 },
      });
      t.notOk('credential_hash' in (hosts[0] ?? {}), 'no secret digest leaves the server');
      t.match(hosts[1], { host_id: b.host_id, site: 'ch-sud', revoked: false, last_seen_at: TEST_NOW.toISOString() });
      const summary = (hosts[1] as { verdicts: Record<string, number> }).verdicts;
      t.ok(Object.values(summary).reduce((x, y) => x + y, 0) > 0);

      const filtered = await app.inject({ method: 'GET', url: '/api/v1/hosts?site=ch-sud&limit=10', headers: bearer(token) });
      t.same(filtered.json().hosts.map((h: { host_id: string }) => h.host_id), [b.host_id]);
      const paged = await app.inject({ method: 'GET', url: '/api/v1/hosts?limit=1&offset=1', headers: bearer(token) });
      t.same(paged.json().hosts.map((h: { host_id: string }) => h.host_id), [b.host_id]);
      const tooMany = await app.inject({ method: 'GET', url: '/api/v1/hosts?limit=100000', headers: bearer(token) });
      t.equal(tooMany.statusCode, 400);
      t.equal(tooMany.json().error.code, 'invalid_querystring');
      t.match(tooMany.json().error.details, [{ field: '/limit' }]);
    });

    t.test('verdicts of an unknown host are a 404; a host without report has none', async (t) => {
      const { app, db } = await testApp(t, kind);
      const token = await readToken(db);
      const host = await enrollHost(app, db);
      const missing = await app.inject({ method: 'GET', url: '/api/v1/hosts/00000000-0000-4000-8000-000000000000/verdicts', headers: bearer(token) });
      t.equal(missing.statusCode, 404);
      t.equal(missing.json().error.code, 'host_not_found');
      const empty = await app.inject({ method: 'GET', url: `/api/v1/hosts/${host.host_id}/verdicts`, headers: bearer(token) });
      t.same(empty.json(), { host_id: host.host_id, report_id: null, collected_at: null, evidence_state: 'none', pack: null, verdicts_source: null, verdicts: [] });
    });
  });
}
