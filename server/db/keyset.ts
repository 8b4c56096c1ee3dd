// Keyset pagination ("seek method"), the one way Vigie pages through a table by key.
import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { toDbTime } from './columns.js';
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

// Keys of several columns, each ascending or descending (newest first, then a tie-breaker id):
// `keyset([...parts])` writes the seek condition and the ORDER BY from one declaration, so the two
// cannot disagree, and turns a key into a cursor for a URL and back. See `Keyset` below.

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

/** One value of a key, as a row holds it and a cursor carries it. */
export type KeyValue = string | number;
/** A key: one value per part, in the order of the parts. */
export type KeysetKey = readonly KeyValue[];

export interface KeyPart<Row> {
  /** The column as the query names it: 'seq', 'r.created_at'. It must never be NULL. */
  column: string;
  direction: 'asc' | 'desc';
  /**
   * What the value is: text, a safe integer, or an instant (an ISO-8601 UTC string with
   * milliseconds, as fromDbTime gives it; compared through toDbTime on both databases).
   */
  kind: 'text' | 'integer' | 'timestamp';
  /** The part's value in a row of the page. */
  of: (row: Row) => KeyValue;
}

/** A cursor this server did not give (garbage, truncated, edited): the API answers 400. */
export class CursorError extends Error {
  constructor(message = 'invalid cursor') {
    super(message);
    this.name = 'CursorError';
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,4096}$/;
/** Longest text value a cursor may carry: beyond any key Vigie has (a destination name is 253). */
const MAX_TEXT = 1024;

function valid(kind: KeyPart<unknown>['kind'], value: unknown): value is KeyValue {
  if (kind === 'integer') return Number.isSafeInteger(value);
  if (typeof value !== 'string') return false;
  if (kind === 'text') return value.length <= MAX_TEXT;
  return ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

/**
 * A key of one or more columns, each with its direction. Rows are ordered by the parts in turn;
 * the last part must make the key unique (a tie-breaker id), so that no row is read twice or
 * skipped when several share a timestamp.
 *
 *   const ORDER = keyset<AuditEntry>([{ column: 'seq', direction: 'desc', kind: 'integer', of: (e) => e.seq }]);
 *   const rows = await ORDER.seek(db.selectFrom('audit_log').selectAll(), after).limit(51).execute();
 *
 * The cursor of a key is the decimal integer when the key is one integer (`before=1234` stays
 * readable), else the base64url of the JSON array of its values. `decode` refuses anything
 * `encode` would not have written: wrong length, wrong types, a non-canonical encoding.
 */
export interface Keyset<Row> {
  readonly parts: readonly KeyPart<Row>[];
  /** The query restricted to rows after `after` (null: from the first row), in key order. */
  seek<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, after: KeysetKey | null): SelectQueryBuilder<DB, TB, O>;
  /** The condition "strictly after `after` in key order", for queries built otherwise. */
  after(after: KeysetKey): Expression<SqlBool>;
  keyOf(row: Row): KeysetKey;
  encode(key: KeysetKey): string;
  /** The key a cursor carries; throws CursorError when it is not one `encode` wrote. */
  decode(cursor: string): KeysetKey;
}

export function keyset<Row>(parts: readonly KeyPart<Row>[]): Keyset<Row> {
  if (parts.length === 0) throw new RangeError('a keyset needs at least one column');
  const single = parts.length === 1 && parts[0]!.kind === 'integer';
  const sqlValue = (part: KeyPart<Row>, value: KeyValue) => (part.kind === 'timestamp' ? toDbTime(String(value)) : value);
  const op = (direction: 'asc' | 'desc') => sql.raw(direction === 'asc' ? '>' : '<');
  const check = (key: KeysetKey): void => {
    if (key.length !== parts.length || !parts.every((part, i) => valid(part.kind, key[i]))) throw new CursorError();
  };

  function after(key: KeysetKey): Expression<SqlBool> {
    check(key);
    const refs = parts.map((part) => sql.ref(part.column));
    const values = parts.map((part, i) => sqlValue(part, key[i]!));
    if (parts.every((part) => part.direction === parts[0]!.direction)) {
      // One direction: a row-value comparison, which both databases answer with one seek of an
      // index on these columns (the OR of prefixes below made SQLite scan from the start).
      if (parts.length === 1) return sql<SqlBool>`${refs[0]} ${op(parts[0]!.direction)} ${values[0]}`;
      return sql<SqlBool>`(${sql.join(refs)}) ${op(parts[0]!.direction)} (${sql.join(values)})`;
    }
    // Mixed directions (newest first, then id ascending): a row value cannot say it, so the
    // prefixes: a1 after v1, or a1 = v1 and a2 after v2, or ...
    const branches = parts.map((part, i) => {
      const equal = parts.slice(0, i).map((_, j) => sql<SqlBool>`${refs[j]} = ${values[j]}`);
      return sql<SqlBool>`(${sql.join([...equal, sql<SqlBool>`${refs[i]} ${op(part.direction)} ${values[i]}`], sql` and `)})`;
    });
    return sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
  }

  return {
    parts,
    after,
    seek(query, from) {
      let q = from === null ? query : query.where(after(from));
      for (const part of parts) q = q.orderBy(sql.ref(part.column), part.direction);
      return q;
    },
    keyOf: (row) => parts.map((part) => part.of(row)),
    encode(key) {
      check(key);
      return single ? String(key[0]) : Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
    },
    decode(cursor) {
      let key: unknown;
      if (single) {
        if (!DECIMAL.test(cursor)) throw new CursorError();
        key = [Number(cursor)];
      } else {
        if (!BASE64URL.test(cursor)) throw new CursorError();
        const text = Buffer.from(cursor, 'base64url').toString('utf8');
        // Buffer decoding skips what is not base64: only the exact encoding of the text is ours.
        if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw new CursorError();
        try {
          key = JSON.parse(text);
        } catch {
          throw new CursorError();
        }
      }
      if (!Array.isArray(key)) throw new CursorError();
      check(key);
      return key;
    },
  };
}
