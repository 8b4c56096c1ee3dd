// The login route's front door (server/auth/login-front-door.ts): over real HTTP, a locked address
// gets its 429 without its body being read (the request sends headers only and no body ever comes:
// the route would wait for it until the request timeout), on a connection that stays usable; the
// answer has the route's error shape and security headers; the refusals are journalled like the
// route's. And the rule it relies on: an address with an attempt being checked is not "clean", so
// a flood's concurrent first attempts do not queue for a hash slot ahead of genuine logins.
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { buildApp } from '../../../server/app.js';
import { HashGate } from '../../../server/auth/hash-gate.js';
import { LoginGuard } from '../../../server/auth/login-guard.js';
import { LoginLockCache } from '../../../server/auth/login-lock-cache.js';
import { postJson } from '../../helpers/http-client.js';
import { DB_KINDS, listen, openTestDatabase, TEST_NOW, testConfig } from '../fixture.js';

/** Read from `socket` until one whole HTTP answer (headers and Content-Length body) has arrived, or fail after `boundMs`. */
function readAnswer(socket: Socket, boundMs: number): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no answer within ${boundMs} ms`)), boundMs);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(headers.get('content-length') ?? 0);
      if (buffered.length < end + 4 + length) return;
      finish(null, { status: Number(statusLine?.split(' ')[1]), headers, body: buffered.subarray(end + 4, end + 4 + length).toString('utf8') });
    };
    const onClose = () => finish(new Error('connection closed before an answer'));
    const finish = (error: Error | null, answer?: { status: number; headers: Map<string, string>; body: string }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error !== null) reject(error);
      else resolve(answer!);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

for (const kind of DB_KINDS) {
  t.test(`a locked address is answered 429 before its body is read (${kind})`, async (t) => {
    const database = await openTestDatabase(t, kind);
    let clock = TEST_NOW;
    const guard = new LoginGuard();
    // A long request timeout: without the front door the headers-only request would hang past the test's bound.
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl, { requestTimeoutMs: 600_000, headersTimeoutMs: 60_000 }), now: () => clock, loginGuard: guard });
    t.teardown(() => app.close());
    const base = await listen(app);
    const { port } = new URL(base);
    const source = '127.0.9.77';

    // Three wrong logins lock the address (the default policy).
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(base, '/api/v1/auth/login', { username: `nobody${i}`, password: 'wrong guess here' }, { localAddress: source })).status);
    t.same(statuses, [401, 401, 401, 429], 'three failures, then the address is locked');

    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: source });
    t.teardown(() => socket.destroy());
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const body = JSON.stringify({ username: 'alice', password: 'another wrong guess' });
    const head = `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    socket.write(head);
    const answer = await readAnswer(socket, 20_000);
    t.equal(answer.status, 429, 'refused with only the headers sent');
    t.match(JSON.parse(answer.body), { error: { code: 'login_locked', message: /try again in \d+ s/ } }, 'the route\'s error shape');
    t.match(answer.headers.get('retry-after'), /^\d+$/, 'Retry-After says when');
    t.match(answer.headers.get('content-security-policy'), /default-src 'none'/, 'the security headers every answer has');
    t.equal(answer.headers.get('cache-control'), 'no-store');

    // The body arrives late and is discarded; the connection still answers the next request.
    socket.write(body);
    socket.write(head + body);
    const again = await readAnswer(socket, 20_000);
    t.equal(again.status, 429, 'the same connection is still usable');

    // Another address is not affected, and GETs and other routes go on to Fastify.
    t.equal((await postJson(base, '/api/v1/auth/login', { username: 'nobody', password: 'wrong guess here' }, { localAddress: '127.0.9.78' })).status, 401);

    // Refusals answered there are counted like the route's and journalled once the lock is over.
    clock = new Date(TEST_NOW.getTime() + 2 * 60 * 60_000);
    await guard.sweep(database.db, clock);
    const summaries = await listAuditEntries(database.db, { limit: 10, action: 'auth.login_refused' });
    const refused = summaries.filter((e) => e.target === `ip:${source}`).map((e) => Number(e.details.refused)).reduce((a, b) => a + b, 0);
    t.ok(refused >= 3, `the refusals are in the journal (${refused})`);
  });
}

t.test('an address with an attempt in flight is not clean: its next attempt does not wait for a slot', async (t) => {
  const locks = new LoginLockCache(60_000);
  const subjects = ['user:alice', 'ip:10.0.0.1'];
  t.ok(locks.clean(subjects, TEST_NOW), 'never seen: clean');
  const end = locks.begin(subjects);
  t.notOk(locks.clean(['ip:10.0.0.1'], TEST_NOW), 'an attempt in flight from the address');
  t.notOk(locks.clean(['user:alice'], TEST_NOW), 'an attempt in flight on the account');
  t.ok(locks.clean(['ip:10.0.0.2', 'user:bob'], TEST_NOW), 'others stay clean');
  end();
  end();
  t.ok(locks.clean(subjects, TEST_NOW), 'clean again once it is over (ending twice counts once)');

  // The front door's rule: the flood's share taken and the address busy: 503 at once; a fresh
  // address goes on (to the reserved slot, or the queue).
  const guard = new LoginGuard({ gate: new HashGate({ floodShare: 1, reserved: 1, queueLength: 4 }) });
  const release = await guard.gate.acquire('suspect');
  t.ok(release, 'the flood share is held');
  const inFlight = guard.locks.begin(['user:x', 'ip:10.0.0.1']);
  t.same(guard.refuseEarly('10.0.0.1', TEST_NOW), { status: 503, retryAfterSeconds: 1 }, 'busy address, no flood slot: refused early');
  t.equal(guard.refuseEarly('10.0.0.2', TEST_NOW), null, 'a fresh address goes on (the reserved slot is free)');
  inFlight();
  t.equal(guard.refuseEarly('10.0.0.1', TEST_NOW), null, 'its attempt over, the address is clean again');
  release?.();
});
