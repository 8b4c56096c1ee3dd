// Keyset pagination ("seek method"), the one way Vigie pages through a table by key.
//
// Each page asks for the rows whose key is greater than the last key already seen, ordered by
// that key, at most `limit` of them. Unlike OFFSET, every page costs one index range scan however
// deep it is, and rows inserted or deleted meanwhile neither repeat nor skip the rows already
// read. Memory stays bounded by the page size. Works the same on SQLite and PostgreSQL.
//
// The caller writes the query; the helper only drives it. The query MUST:
//   - filter on `key > after` (for the first page, `after` is `start`, a value below every key,
//     e.g. '' for text ids), and
//   - order by that key ascending, and the key must be unique (add a tie-breaker column to the
//     key when it is not: e.g. [started_at, audit_id] compared as a row value).
//
// Walking everything (audits, back-fills, exports):
//   for await (const rows of keysetPages(
//     (after, limit) => db.selectFrom('hosts').selectAll()
//       .where('host_id', '>', after).orderBy('host_id').limit(limit).execute(),
//     (row) => row.host_id,
//     { start: '', pageSize: 500 },
//   )) { ... }
//
// One page of a list (API and dashboard lists with a "next" link):
//   const { rows, next } = await keysetPage(query, (row) => row.host_id, { after: cursor ?? '', limit: 50 });
//   // `next` is the key to pass as `after` for the following page, or null on the last page.
//   // It asks for limit + 1 rows to know whether a next page exists, so "next" never leads to
//   // an empty page.

/** Fetches at most `limit` rows with key > `after`, ordered by key ascending. */
export type KeysetQuery<Row, Key> = (after: Key, limit: number) => Promise<Row[]>;

export interface KeysetPagesOptions<Key> {
  /** A key lower than every real key: where the walk starts. */
  start: Key;
  /** Rows per page (per query). */
  pageSize: number;
}

/** Every row, one page (array) at a time, in key order; stops after a short or empty page. */
export async function* keysetPages<Row, Key>(
  query: KeysetQuery<Row, Key>,
  keyOf: (row: Row) => Key,
  options: KeysetPagesOptions<Key>,
): AsyncGenerator<Row[]> {
  if (!Number.isInteger(options.pageSize) || options.pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${options.pageSize}`);
  let after = options.start;
  for (;;) {
    const rows = await query(after, options.pageSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < options.pageSize) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

export interface KeysetPageOptions<Key> {
  /** The key after which this page starts (the `next` of the previous page, or the start value). */
  after: Key;
  /** Most rows on the page. */
  limit: number;
}

export interface KeysetPage<Row, Key> {
  rows: Row[];
  /** The `after` of the next page, or null when this page is the last. */
  next: Key | null;
}

/** One page of at most `limit` rows after `after`, and the key to continue from. */
export async function keysetPage<Row, Key>(
  query: KeysetQuery<Row, Key>,
  keyOf: (row: Row) => Key,
  options: KeysetPageOptions<Key>,
): Promise<KeysetPage<Row, Key>> {
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
  const rows = await query(options.after, options.limit + 1);
  if (rows.length <= options.limit) return { rows, next: null };
  const page = rows.slice(0, options.limit);
  return { rows: page, next: keyOf(page[page.length - 1]!) };
}
