// AgentCredentialCache: a remembered agent is authenticated without reading the database; any
// other credential is checked against the database; capacity is bounded. (That the storing
// transaction still refuses a revoked or re-enrolled agent is in tests/server/routes/reports.test.ts.)
import type { FastifyRequest } from 'fastify';
import t from 'tap';
import { AgentCredentialCache } from '../../../server/auth/agent-credentials.js';
import { revokeHost } from '../../../server/db/hosts.js';
import { formatCredential, newSecret } from '../../../server/secrets/secrets.js';
import { agentOf, enrollHost, TEST_NOW, testApp } from '../fixture.js';

const requestWith = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as FastifyRequest;
const bearerOf = (credential: string) => requestWith(`Bearer ${credential}`);

t.test('agent credential cache', async (t) => {
  const { app, db } = await testApp(t, 'sqlite');
  const hosts = [await enrollHost(app, db, { hostname: 'a' }), await enrollHost(app, db, { hostname: 'b' }), await enrollHost(app, db, { hostname: 'c' })];
  const [a, b, c] = hosts as [typeof hosts[0], typeof hosts[0], typeof hosts[0]];
  // The identity carries the name given at enrollment (what `hosts:` allowlist entries match).
  const enrolledA = { ...agentOf(a), enrolled_hostname: 'a' };

  t.test('the first request reads the database; later ones do not', async (t) => {
    const cache = new AgentCredentialCache(db);
    let reads = 0;
    const count = () => void (reads += 1);
    t.same(await cache.authenticate(bearerOf(a.credential), count), enrolledA);
    t.same(await cache.authenticate(bearerOf(a.credential), count), enrolledA);
    t.equal(reads, 1);
    t.equal(cache.size, 1);
  });

  t.test('a wrong secret for a remembered host is checked against the database and refused; the host stays remembered', async (t) => {
    const cache = new AgentCredentialCache(db);
    await cache.authenticate(bearerOf(a.credential));
    let reads = 0;
    await t.rejects(cache.authenticate(bearerOf(formatCredential(a.host_id, newSecret())), () => void (reads += 1)), {
      statusCode: 401,
      code: 'unauthenticated',
    });
    t.equal(reads, 1);
    t.same(await cache.authenticate(bearerOf(a.credential), () => void (reads += 1)), enrolledA);
    t.equal(reads, 1, 'the genuine credential is still remembered');
  });

  t.test('malformed or missing credentials are refused without reading the database', async (t) => {
    const cache = new AgentCredentialCache(db);
    let reads = 0;
    for (const request of [requestWith(), requestWith('Basic abc'), bearerOf('not-a-credential'), bearerOf(`${a.host_id}.short`)]) {
      await t.rejects(cache.authenticate(request, () => void (reads += 1)), { statusCode: 401, code: 'unauthenticated' });
    }
    t.equal(reads, 0);
  });

  t.test('a revoked host is refused 403 from the database and forgotten', async (t) => {
    const { app, db } = await testApp(t, 'sqlite');
    const host = await enrollHost(app, db);
    const cache = new AgentCredentialCache(db);
    await revokeHost(db, host.host_id, TEST_NOW);
    await t.rejects(cache.authenticate(bearerOf(host.credential)), { statusCode: 403, code: 'host_revoked' });
    t.equal(cache.size, 0);
  });

  t.test('forget makes the next request read the database again', async (t) => {
    const cache = new AgentCredentialCache(db);
    let reads = 0;
    await cache.authenticate(bearerOf(b.credential), () => void (reads += 1));
    cache.forget(b.host_id);
    t.equal(cache.size, 0);
    await cache.authenticate(bearerOf(b.credential), () => void (reads += 1));
    t.equal(reads, 2);
  });

  t.test('capacity: the longest-remembered host is dropped first, even if it reported since', async (t) => {
    const cache = new AgentCredentialCache(db, 2);
    let reads = 0;
    const auth = (credential: string) => cache.authenticate(bearerOf(credential), () => void (reads += 1));
    await auth(a.credential);
    await auth(b.credential);
    await auth(a.credential); // remembered: no read, and stays the older of the two
    t.equal(reads, 2);
    await auth(c.credential); // drops a (the first remembered)
    t.equal(cache.size, 2);
    await auth(b.credential);
    t.equal(reads, 3, 'b is still remembered');
    await auth(a.credential);
    t.equal(reads, 4, 'a was dropped and read again');
  });
});
