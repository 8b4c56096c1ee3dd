// Genuine logins keep a hash slot while a login flood runs (issue 13): suspect attempts (from
// addresses or on accounts that failed recently) may hold only the flood's share of the password
// hash slots; the reserved slot and the queue are for trusted and clean attempts, trusted first.
// Real concurrent requests over HTTP on both databases. The test itself holds the slots that stand
// for the flood's hashes in progress (through the server's own gate), so the outcome does not
// depend on timing: before the reserved slot existed, a clean login had no slot the flood could not
// take, and waited behind the flood (or got 503 once the queue was full).
import t from 'tap';
import { buildApp } from '../../../server/app.js';
import { createAccount } from '../../../server/auth/accounts.js';
import { HashGate } from '../../../server/auth/hash-gate.js';
import { LoginGuard } from '../../../server/auth/login-guard.js';
import { postJson, type HttpAnswer } from '../../helpers/http-client.js';
import { DB_KINDS, listen, openTestDatabase, TEST_NOW, testConfig } from '../fixture.js';
import { PASSWORD } from './helpers.js';

const LOGIN = '/api/v1/auth/login';
const FLOOD_ADDRESSES = ['127.0.6.1', '127.0.6.2', '127.0.6.3', '127.0.6.4'];
const FLOOD_REQUESTS = 60;
const QUEUE = 4;

function tally(answers: HttpAnswer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** Wait, with a bound, until `condition` holds (the server has taken the requests in). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 6000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

for (const kind of DB_KINDS) {
  t.test(`a login flood cannot take the hash slots genuine logins need (${kind})`, { timeout: 180_000 }, async (t) => {
    const database = await openTestDatabase(t, kind);
    const guard = new LoginGuard({ gate: new HashGate({ floodShare: 2, reserved: 1, queueLength: QUEUE }) });
    const app = buildApp({ db: database.db, config: testConfig(database.dataDir, database.databaseUrl), now: () => TEST_NOW, loginGuard: guard });
    t.teardown(() => app.close());
    await app.ready();
    const actor = { type: 'cli', id: 'tests' } as const;
    for (const username of ['alice', 'carol', 'dave', 'erin', 'frank']) await createAccount(database.db, { username, role: 'auditor', password: PASSWORD }, actor, TEST_NOW);
    const base = await listen(app);
    const genuine = (username: string, address: string) => postJson(base, LOGIN, { username, password: PASSWORD }, { localAddress: address });
    const wrong = (username: string, address: string) => postJson(base, LOGIN, { username, password: 'a wrong guess!!' }, { localAddress: address });

    // Dave logged in from his workstation before (trusted there); erin too, from hers.
    t.equal((await genuine('dave', '127.0.5.2')).status, 200);
    t.equal((await genuine('erin', '127.0.5.3')).status, 200);
    // The flood's addresses have failed once each (suspect from now on, not yet locked).
    for (const address of FLOOD_ADDRESSES) t.equal((await wrong(`ghost-${address}`, address)).status, 401);

    t.test('a flood from few addresses holds every flood slot: clean and trusted logins still run at once', async (t) => {
      const flood = [await guard.gate.acquire('suspect'), await guard.gate.acquire('suspect')];
      t.ok(flood.every((release) => release !== null), 'the flood holds its whole share');
      try {
        const [floodAnswers, carol, dave] = await Promise.all([
          Promise.all(Array.from({ length: FLOOD_REQUESTS }, (_, i) => wrong(i % 2 === 0 ? 'alice' : `intruder${i}`, FLOOD_ADDRESSES[i % FLOOD_ADDRESSES.length]!))),
          genuine('carol', '127.0.5.1'),
          genuine('dave', '127.0.5.2'),
        ]);
        // Answered while the flood still holds its share: they used the reserved slot.
        t.equal(carol.status, 200, 'a first login from a clean address succeeds');
        t.equal(dave.status, 200, 'a returning user succeeds');
        const counts = tally(floodAnswers);
        t.same(counts, { 503: FLOOD_REQUESTS }, `every flood attempt refused early, none hashed: ${JSON.stringify(counts)}`);
        t.equal(JSON.parse(floodAnswers[0]?.body ?? '{}').error.code, 'login_busy');
        t.equal(guard.gate.running, 2, 'only the flood share is still taken');
      } finally {
        for (const release of flood) release?.();
      }
      t.equal(guard.gate.running, 0);
    });

    t.test('a flood spread over fresh addresses fills the queue: a returning user still gets in', async (t) => {
      // Every slot held: the flood share, and the reserved slot by a fresh address's first attempt.
      const held = [await guard.gate.acquire('suspect'), await guard.gate.acquire('suspect'), await guard.gate.acquire('clean')];
      t.ok(held.every((release) => release !== null));
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        for (const r of held) r?.();
      };
      t.teardown(release);
      // Fresh addresses, one attempt each: clean as far as the server can tell. QUEUE wait, the rest are refused.
      let refused = 0;
      const spread = Array.from({ length: QUEUE + 2 }, (_, i) =>
        wrong(`sprayed${i}`, `127.0.7.${1 + i}`).then((answer) => {
          if (answer.status === 503) refused += 1;
          return answer;
        }),
      );
      await until(() => guard.gate.queued === QUEUE && refused === 2, 'the queue to fill');
      // A returning user takes the place of the last fresh address; a first-time one cannot.
      const erin = genuine('erin', '127.0.5.3');
      await until(() => refused === 3, 'the trusted login to take a place in the queue');
      t.equal(guard.gate.queued, QUEUE);
      const frank = await genuine('frank', '127.0.5.9');
      t.equal(frank.status, 503, 'a first login from a fresh address finds the queue full of the spread flood: 503, retry');
      release();
      t.equal((await erin).status, 200, 'the returning user logs in');
      const counts = tally(await Promise.all(spread));
      t.same(counts, { 401: QUEUE - 1, 503: 3 }, `the spread flood: ${QUEUE - 1} evaluated, the rest refused (${JSON.stringify(counts)})`);
      t.equal(guard.gate.running, 0);
    });
  });
}
