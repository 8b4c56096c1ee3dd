import t from 'tap';
import { HashGate } from '../../../server/auth/hash-gate.js';
import { LoginLockCache } from '../../../server/auth/login-lock-cache.js';

t.test('the hash gate runs at most `capacity`, queues a few clean attempts and refuses the rest at once', async (t) => {
  const gate = new HashGate(1, 2);
  const first = await gate.acquire(true);
  t.ok(first);
  t.equal(await gate.acquire(false), null, 'a suspect attempt is refused when no slot is free');
  const order: string[] = [];
  const queued = [gate.acquire(true).then((r) => (order.push('a'), r)), gate.acquire(true).then((r) => (order.push('b'), r))];
  t.equal(await gate.acquire(true), null, 'the queue is bounded');
  t.equal(gate.running, 1);
  first?.();
  const a = await queued[0];
  t.same(order, ['a'], 'handed over in order, one at a time');
  a?.();
  a?.(); // releasing twice frees one slot only
  const b = await queued[1];
  b?.();
  t.equal(gate.running, 0);
  t.throws(() => new HashGate(0));
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
