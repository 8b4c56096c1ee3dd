// TopList (the audit report's bounded lists) against a full stable sort: the same first items in
// the same order and the same total, whatever the stream, ties included.
import t from 'tap';
import { TopList } from '../../../server/audit/run.js';
import { seededRandom } from '../../helpers/seeded-random.js';

interface Item {
  key: number;
  seq: number;
}
const byKey = (a: Item, b: Item) => a.key - b.key;

t.test('same result as sorting everything and keeping the first `limit`', async (t) => {
  const random = seededRandom(7);
  for (const limit of [1, 2, 3, 10, 50]) {
    for (const [length, keys] of [[0, 5], [limit, 5], [2 * limit, 5], [2 * limit + 1, 1000], [37 * limit + 5, 3], [2000, 1000], [3000, 2]]) {
      const stream: Item[] = Array.from({ length: length! }, (_, seq) => ({ key: Math.floor(random() * keys!), seq }));
      const list = new TopList<Item>(limit, byKey);
      for (const item of stream) list.push(item);
      const expected = [...stream].sort(byKey).slice(0, limit);
      const got = list.result();
      t.equal(got.total, stream.length, `limit ${limit}, ${length} items: total`);
      t.same(got.items, expected, `limit ${limit}, ${length} items over ${keys} keys: first items, ties in arrival order`);
    }
  }
});

t.test('sorted, reversed and constant streams', async (t) => {
  const limit = 4;
  const streams: Record<string, Item[]> = {
    ascending: Array.from({ length: 40 }, (_, i) => ({ key: i, seq: i })),
    descending: Array.from({ length: 40 }, (_, i) => ({ key: 40 - i, seq: i })),
    constant: Array.from({ length: 40 }, (_, i) => ({ key: 1, seq: i })),
  };
  for (const [name, stream] of Object.entries(streams)) {
    const list = new TopList<Item>(limit, byKey);
    for (const item of stream) list.push(item);
    t.same(list.result(), { total: 40, items: [...stream].sort(byKey).slice(0, limit) }, name);
  }
});
