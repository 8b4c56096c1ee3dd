// Every row of every table of a database, in a stable order: what a refused request must leave
// exactly as it was (compare a dump taken before with one taken after).
import type { Database } from '../../server/db/schema.js';

export type DatabaseDump = Record<string, string[]>;

/** Each table's rows as JSON texts, sorted; `skip` names tables that may change legitimately. */
export async function dumpDatabase(db: Database, skip: readonly string[] = []): Promise<DatabaseDump> {
  const tables = (await db.introspection.getTables()).map((table) => table.name).filter((name) => !skip.includes(name)).sort();
  const dump: DatabaseDump = {};
  for (const name of tables) {
    // Table names come from the database's own catalogue; the query builder quotes them.
    const rows = await (db as unknown as { selectFrom(table: string): { selectAll(): { execute(): Promise<unknown[]> } } }).selectFrom(name).selectAll().execute();
    dump[name] = rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value))).sort();
  }
  return dump;
}
