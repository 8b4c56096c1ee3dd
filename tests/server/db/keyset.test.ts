// Keyset pagination (server/db/keyset.ts) over a real table on both databases: every row once,
// in key order, whatever the page size against the row count; a row inserted behind the walk
// is not read twice; one-page reads give a `next` that never leads to an empty page. Keys of
// several columns with directions (newest first, ties broken by id): every row once at every page
// size, boundaries inside runs of equal timestamps, the last page, the empty table; cursors that
// are not what the server wrote are refused.
import t from 'tap';
import { fromDbTime } from '../../../server/db/columns.js';
import { CursorError, keyset, keysetPage, keysetPages, type Keyset, type KeysetKey, type KeysetPage } from '../../../server/db/keyset.js';
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

// ---- Keys of several columns with a direction (keyset()): newest first with a tie-breaker id.

type Events = { keyset_events: { at: string | Date; id: string; n: number } };
interface EventRow {
  at: string;
  id: string;
  n: number;
}

const NEWEST_FIRST = keyset<EventRow>([
  { column: 'at', direction: 'desc', kind: 'timestamp', of: (r) => r.at },
  { column: 'id', direction: 'asc', kind: 'text', of: (r) => r.id },
]);
const BOTH_DESC = keyset<EventRow>([
  { column: 'at', direction: 'desc', kind: 'timestamp', of: (r) => r.at },
  { column: 'id', direction: 'desc', kind: 'text', of: (r) => r.id },
]);
const BY_N = keyset<EventRow>([{ column: 'n', direction: 'desc', kind: 'integer', of: (r) => r.n }]);

/** 23 events over 5 instants, up to 7 sharing one (ties are the hard case), ids out of order. */
function events(): EventRow[] {
  const instants = ['2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.001Z', '2026-03-02T00:00:00.000Z', '2026-03-02T12:30:00.000Z', '2026-03-05T23:59:59.999Z'];
  const perInstant = [7, 1, 5, 3, 7];
  const rows: EventRow[] = [];
  let n = 0;
  instants.forEach((at, i) => {
    for (let k = 0; k < perInstant[i]!; k++) rows.push({ at, id: `e-${String((k * 7 + i * 3) % 23).padStart(2, '0')}-${i}`, n: n++ });
  });
  return rows;
}

/** The order the keyset promises, computed without SQL. */
function expected(rows: EventRow[], idDirection: 'asc' | 'desc'): string[] {
  return [...rows]
    .sort((a, b) => (a.at === b.at ? (idDirection === 'asc' ? (a.id < b.id ? -1 : 1) : a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
    .map((r) => r.id);
}

for (const kind of DB_KINDS) {
  t.test(`keyset() with several columns and directions on ${kind}`, async (t) => {
    const { db: base } = await openTestDatabase(t, kind);
    // The column types of Vigie's own tables: timestamptz on PostgreSQL, ISO text on SQLite.
    await base.schema
      .createTable('keyset_events')
      .addColumn('at', kind === 'postgres' ? 'timestamptz' : 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
    const db = base.withTables<Events>();
    const read = async (order: Keyset<EventRow>, after: KeysetKey | null, limit: number): Promise<EventRow[]> =>
      (await order.seek(db.selectFrom('keyset_events').select(['at', 'id', 'n']), after).limit(limit).execute()).map((r) => ({ ...r, at: fromDbTime(r.at) }));
    /** Every page by following `next` through its cursor, as a client does. */
    const walk = async (order: Keyset<EventRow>, limit: number) => {
      const pages: string[][] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 100; guard++) {
        const after: KeysetKey | null = cursor === null ? null : order.decode(cursor);
        const page: KeysetPage<EventRow, KeysetKey | null> = await keysetPage((a: KeysetKey | null, l) => read(order, a, l), order.keyOf, { after, limit });
        pages.push(page.rows.map((r) => r.id));
        if (page.next === null) return pages;
        cursor = order.encode(page.next);
      }
      throw new Error('the walk did not end');
    };

    t.same(await walk(NEWEST_FIRST, 5), [[]], 'empty table: one empty page, no next');

    const rows = events();
    await db.insertInto('keyset_events').values([...rows].reverse()).execute();
    for (const [order, direction] of [[NEWEST_FIRST, 'asc'], [BOTH_DESC, 'desc']] as const) {
      const want = expected(rows, direction);
      for (const limit of [1, 2, 3, 5, 7, 22, 23, 24, 100]) {
        const pages = await walk(order, limit);
        t.same(pages.flat(), want, `id ${direction}, pages of ${limit}: every row once, newest first, ties by id`);
        t.ok(pages.every((p) => p.length > 0), `id ${direction}, pages of ${limit}: no empty page`);
        t.equal(pages.length, Math.ceil(rows.length / limit), `id ${direction}, pages of ${limit}: the last page has no next`);
      }
    }

    // Boundaries inside a run of equal timestamps: after each row, exactly the rows behind it.
    const want = expected(rows, 'asc');
    for (const [i, id] of want.entries()) {
      const row = rows.find((r) => r.id === id)!;
      const after = await read(NEWEST_FIRST, NEWEST_FIRST.keyOf(row), 100);
      t.same(after.map((r) => r.id), want.slice(i + 1), `after ${id} (${row.at})`);
    }
    t.same(await read(NEWEST_FIRST, ['2026-03-05T23:59:59.999Z', 'zzz'], 100).then((r) => r[0]?.at), '2026-03-02T12:30:00.000Z', 'a key between rows: the next instant');
    t.same(await read(NEWEST_FIRST, ['2020-01-01T00:00:00.000Z', ''], 10), [], 'past the oldest: empty');

    const byN = await walk(BY_N, 10);
    t.same(byN.flat(), [...rows].sort((a, b) => b.n - a.n).map((r) => r.id), 'one integer key, descending');
    const firstPage = await keysetPage((a: KeysetKey | null, l) => read(BY_N, a, l), BY_N.keyOf, { after: null, limit: 10 });
    t.equal(BY_N.encode(firstPage.next!), '13', 'a one-integer key travels as its decimal value');
  });
}

t.test('cursors: what encode writes comes back; anything else is refused', async (t) => {
  const key = ['2026-03-01T08:00:00.000Z', 'e-01-0'] as const;
  const cursor = NEWEST_FIRST.encode(key);
  t.match(cursor, /^[A-Za-z0-9_-]+$/, 'URL-safe');
  t.same(NEWEST_FIRST.decode(cursor), key);
  t.same(BY_N.decode(BY_N.encode([0])), [0]);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const refused: Array<[Keyset<EventRow>, string, string]> = [
    [NEWEST_FIRST, '', 'empty'],
    [NEWEST_FIRST, 'not a cursor', 'not base64url'],
    [NEWEST_FIRST, `${cursor}=`, 'padding added'],
    [NEWEST_FIRST, `${cursor}.`, 'a character outside base64url'],
    [NEWEST_FIRST, cursor.slice(0, -3), 'truncated'],
    [NEWEST_FIRST, Buffer.from('{"at":1').toString('base64url'), 'not JSON'],
    [NEWEST_FIRST, b64({ at: key[0], id: key[1] }), 'an object, not an array'],
    [NEWEST_FIRST, b64([key[0]]), 'one value short'],
    [NEWEST_FIRST, b64([...key, 'x']), 'one value too many'],
    [NEWEST_FIRST, b64([1, 'e-01-0']), 'a number for an instant'],
    [NEWEST_FIRST, b64(['2026-03-01T08:00:00Z', 'e']), 'an instant without milliseconds'],
    [NEWEST_FIRST, b64(['2026-02-30T08:00:00.000Z', 'e']), 'a day that does not exist'],
    [NEWEST_FIRST, b64(['yesterday', 'e']), 'not an instant'],
    [NEWEST_FIRST, b64([key[0], 7]), 'a number for a text'],
    [NEWEST_FIRST, b64([key[0], null]), 'null'],
    [NEWEST_FIRST, b64([key[0], 'x'.repeat(1025)]), 'a text longer than any key'],
    [BY_N, '-1', 'a negative integer'],
    [BY_N, '01', 'a leading zero'],
    [BY_N, '1.5', 'not an integer'],
    [BY_N, '99999999999999999', 'beyond the safe integers'],
    [BY_N, ' 1', 'a space'],
    [BY_N, b64([1]), 'the array form of a one-integer key'],
  ];
  for (const [order, text, why] of refused) t.throws(() => order.decode(text), CursorError, why);
  t.throws(() => NEWEST_FIRST.encode([key[0]]), CursorError, 'encode checks the key too');
  t.throws(() => NEWEST_FIRST.after(['2026-03-01T08:00:00.000Z', 3]), CursorError, 'and so does the condition');
  t.throws(() => keyset([]), RangeError, 'a key has at least one column');
});
