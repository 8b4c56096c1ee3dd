// Keyset pagination (server/db/keyset.ts) over a real table on both databases: every row once,
// in key order, whatever the page size against the row count; a row inserted behind the walk
// is not read twice; one-page reads give a `next` that never leads to an empty page.
import t from 'tap';
import { keysetPage, keysetPages } from '../../../server/db/keyset.js';
import { DB_KINDS, openTestDatabase } from '../fixture.js';

type Probe = {
  keyset_probe: { id: string; n: number };
};

const ids = (count: number) => Array.from({ length: count }, (_, i) => `h-${String(i).padStart(3, '0')}`);

for (const kind of DB_KINDS) {
  t.test(`keyset pagination on ${kind}`, async (t) => {
    const { db: base } = await openTestDatabase(t, kind);
    await base.schema.createTable('keyset_probe').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('n', 'integer', (c) => c.notNull()).execute();
    const db = base.withTables<Probe>();
    const fill = async (count: number) => {
      await db.deleteFrom('keyset_probe').execute();
      // Inserted out of order: the walk's order must come from the key, not from insertion.
      const rows = ids(count).map((id, n) => ({ id, n })).reverse();
      if (rows.length > 0) await db.insertInto('keyset_probe').values(rows).execute();
    };
    let queries = 0;
    const query = (after: string, limit: number) => {
      queries += 1;
      return db.selectFrom('keyset_probe').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute();
    };
    const walk = async (pageSize: number, start = '') => {
      const pages: string[][] = [];
      for await (const rows of keysetPages(query, (row) => row.id, { start, pageSize })) pages.push(rows.map((r) => r.id));
      return pages;
    };

    for (const [count, pageSize, sizes, expectedQueries] of [
      [0, 5, [], 1],
      [3, 5, [3], 1],
      [10, 5, [5, 5], 3],
      [11, 5, [5, 5, 1], 3],
      [7, 1, [1, 1, 1, 1, 1, 1, 1], 8],
    ] as const) {
      await fill(count);
      queries = 0;
      const pages = await walk(pageSize);
      t.same(pages.map((p) => p.length), sizes, `${count} rows by ${pageSize}: page sizes`);
      t.same(pages.flat(), ids(count), `${count} rows by ${pageSize}: every row once, in key order`);
      t.equal(queries, expectedQueries, `${count} rows by ${pageSize}: stops after a short or empty page`);
    }

    await fill(10);
    t.same((await walk(4, 'h-006')).flat(), ['h-007', 'h-008', 'h-009'], 'start is exclusive');

    // A row inserted behind the walk (key already passed) is not read; one ahead of it is.
    const seen: string[] = [];
    for await (const rows of keysetPages(query, (row) => row.id, { start: '', pageSize: 3 })) {
      seen.push(...rows.map((r) => r.id));
      if (seen.length === 3) await db.insertInto('keyset_probe').values([{ id: 'h-000a', n: 100 }, { id: 'h-008a', n: 101 }]).execute();
    }
    t.same(seen, [...ids(9), 'h-008a', 'h-009'], 'no row read twice, none skipped ahead of the walk');

    await fill(10);
    const collected: string[] = [];
    const nexts: (string | null)[] = [];
    let after = '';
    for (;;) {
      const page = await keysetPage(query, (row) => row.id, { after, limit: 4 });
      collected.push(...page.rows.map((r) => r.id));
      nexts.push(page.next);
      if (page.next === null) break;
      after = page.next;
    }
    t.same(collected, ids(10), 'following next reads every row once');
    t.same(nexts, ['h-003', 'h-007', null], 'next is the last key of a full page; null on the last page');

    await fill(8);
    const full = await keysetPage(query, (row) => row.id, { after: 'h-003', limit: 4 });
    t.same(full.rows.map((r) => r.id), ['h-004', 'h-005', 'h-006', 'h-007']);
    t.equal(full.next, null, 'a page that ends exactly at the last row has no next (no empty page behind it)');
    t.same(await keysetPage(query, (row) => row.id, { after: 'h-999', limit: 4 }), { rows: [], next: null }, 'past the end: empty, no next');
  });
}

t.test('page sizes must be positive integers', async (t) => {
  const never = async () => {
    throw new Error('must not query');
  };
  await t.rejects(keysetPages(never, (r: { id: string }) => r.id, { start: '', pageSize: 0 }).next(), RangeError);
  await t.rejects(keysetPages(never, (r: { id: string }) => r.id, { start: '', pageSize: 2.5 }).next(), RangeError);
  await t.rejects(keysetPage(never, (r: { id: string }) => r.id, { after: '', limit: 0 }), RangeError);
});
