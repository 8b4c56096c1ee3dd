import t from 'tap';
import { HashGate } from '../../../server/auth/hash-gate.js';
import { LoginLockCache, TRUSTED_PAIR_MS } from '../../../server/auth/login-lock-cache.js';

t.test('suspect attempts hold at most the flood share; the reserved slot stays for trusted and clean ones', async (t) => {
  const gate = new HashGate({ floodShare: 2, reserved: 1, queueLength: 2 });
  t.equal(gate.capacity, 3);
  const flood = [await gate.acquire('suspect'), await gate.acquire('suspect')];
  t.ok(flood.every((r) => r !== null), 'the flood takes its share');
  t.ok(gate.floodFull, 'the flood share is taken');
  t.equal(await gate.acquire('suspect'), null, 'a third suspect attempt is refused at once, though a slot is free');
  const genuine = await gate.acquire('clean');
  t.ok(genuine, 'a clean attempt runs at once on the reserved slot');
  t.ok(gate.full);
  t.equal(gate.running, 3);

  // Every slot taken: clean ones wait, trusted ones before them; suspect ones never wait.
  const order: string[] = [];
  const c1 = gate.acquire('clean').then((r) => (order.push('c1'), r));
  const c2 = gate.acquire('clean');
  t.equal(await gate.acquire('clean'), null, 'the queue is bounded: a clean arrival is refused when it is full');
  const tr = gate.acquire('trusted').then((r) => (order.push('tr'), r));
  t.equal(await c2, null, 'a trusted arrival takes the place of the last clean waiter');
  t.equal(gate.queued, 2);
  t.equal(await gate.acquire('suspect'), null);

  flood[0]?.();
  const trusted = await tr;
  t.same(order, ['tr'], 'the freed flood slot goes to the trusted waiter first');
  t.equal(gate.running, 3, 'a handed-over slot counts as taken');
  t.equal(await gate.acquire('suspect'), null, 'no slot free: a suspect attempt is still refused');
  flood[1]?.();
  const clean = await c1;
  t.same(order, ['tr', 'c1']);
  t.equal(gate.running, 3, 'every slot runs a trusted or clean attempt now');
  for (const release of [trusted, clean, genuine]) {
    release?.();
    release?.(); // releasing twice frees one slot only
  }
  t.equal(gate.running, 0);
  t.equal(gate.queued, 0);
  t.notOk(gate.floodFull);
  t.throws(() => new HashGate({ floodShare: 0 }));
  t.throws(() => new HashGate({ reserved: -1 }));
  t.throws(() => new HashGate({ queueLength: 1.5 }));
});

t.test('the lock cache decides the priority: trusted, clean or suspect', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  const cache = new LoginLockCache(3_600_000);
  t.equal(cache.priority('user:ann', 'ip:1', now), 'clean', 'never seen');
  cache.succeeded('user:ann', 'ip:1', now);
  t.equal(cache.priority('user:ann', 'ip:1', now), 'trusted', 'a returning user at the same address');
  t.equal(cache.priority('user:ann', 'ip:2', now), 'clean', 'the same user elsewhere is only clean');
  t.equal(cache.priority('user:bob', 'ip:1', now), 'clean', 'another user at that address is only clean');
  cache.failed(['user:ann', 'ip:9'], now);
  t.equal(cache.priority('user:ann', 'ip:1', now), 'trusted', 'the account guessed at from elsewhere: still trusted at home');
  t.equal(cache.priority('user:ann', 'ip:2', now), 'suspect', 'but suspect from anywhere else');
  t.equal(cache.priority('user:zed', 'ip:9', now), 'suspect', 'a failing address is suspect whatever the account');
  const end = cache.begin(['user:ann', 'ip:1']);
  t.equal(cache.priority('user:ann', 'ip:1', now), 'suspect', 'an attempt already in flight from the address');
  end();
  cache.failed(['user:ann', 'ip:1'], now);
  t.equal(cache.priority('user:ann', 'ip:1', now), 'suspect', 'a failure from the address itself ends the trust');
  const later = new Date(now.getTime() + 2 * 3_600_000);
  t.equal(cache.priority('user:ann', 'ip:1', later), 'trusted', 'failures fade; the success is still remembered');
  t.equal(cache.priority('user:ann', 'ip:1', new Date(now.getTime() + TRUSTED_PAIR_MS + 1)), 'clean', 'trust fades too');
});

t.test('the lock cache refuses known locks, counts the refusals and hands them over once', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  const cache = new LoginLockCache(3_600_000, 2);
  t.equal(cache.refuse(['user:a', 'ip:1'], now), null);
  t.ok(cache.clean(['user:a'], now));
  cache.remember('ip:1', new Date(now.getTime() + 60_000).toISOString(), now);
  cache.failed(['user:a'], now);
  t.notOk(cache.clean(['user:a', 'ip:2'], now), 'a recent failure makes the attempt suspect');
  t.equal(cache.refuse(['user:a', 'ip:1'], now), 60);
  t.equal(cache.refuse(['user:b', 'ip:1'], new Date(now.getTime() + 30_000)), 30);
  cache.remember('ip:3', new Date(now.getTime() + 60_000).toISOString(), now);
  t.equal(cache.refuse(['ip:3'], now), null, 'bounded: a third subject is not remembered');
  t.same(cache.takeRefusals(now), [{ subject: 'ip:1', refused: 2, first_refused_at: now.toISOString() }]);
  t.same(cache.takeRefusals(now), [], 'handed over once');
  const later = new Date(now.getTime() + 2 * 3_600_000);
  t.equal(cache.refuse(['ip:1'], later), null, 'a lock is forgotten when it ends');
  t.ok(cache.clean(['user:a'], later));
});
