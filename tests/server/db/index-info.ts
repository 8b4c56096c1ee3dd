// What the database says of an index, on both dialects: its table and its columns in order (the
// migration tests check the indexes they add against it).
import { sql } from 'kysely';
import { dialectOf } from '../../../server/db/columns.js';
import type { Database } from '../../../server/db/schema.js';

/** The columns of index `name`, in order (empty: no such index). */
export async function indexColumns(db: Database, name: string): Promise<string[]> {
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ attname: string }>`
      select a.attname from pg_index i
      join pg_class c on c.oid = i.indexrelid
      join lateral unnest(i.indkey) with ordinality as k(attnum, n) on true
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where c.relname = ${name} order by k.n`.execute(db);
    return rows.map((r) => r.attname);
  }
  const { rows } = await sql<{ name: string }>`select name from pragma_index_info(${name}) order by seqno`.execute(db);
  return rows.map((r) => r.name);
}

/** The table index `name` is on, or null when there is no such index. */
export async function tableOf(db: Database, name: string): Promise<string | null> {
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ tablename: string }>`select tablename from pg_indexes where indexname = ${name}`.execute(db);
    return rows[0]?.tablename ?? null;
  }
  const { rows } = await sql<{ tbl_name: string }>`select tbl_name from sqlite_master where type = 'index' and name = ${name}`.execute(db);
  return rows[0]?.tbl_name ?? null;
}
