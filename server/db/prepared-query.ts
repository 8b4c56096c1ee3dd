// Queries compiled once and run many times. Kysely builds an operation tree and compiles it to
// SQL on every call, which costs more than SQLite takes to run a point lookup or a one-row insert.
// The statements run for every report received are built here once per dialect, with placeholder
// values, and each run only substitutes the actual values. The SQL still comes from Kysely's
// builder, so both dialects keep one definition.
import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, Compilable, QueryResult } from 'kysely';
import { dialectOf, type DialectName } from './columns.js';
import type { Database } from './schema.js';

/** Where each compiled parameter comes from: a named value, or a constant of the builder. */
type Slot<Name> = { name: Name } | { constant: unknown };

/** A PreparedQuery as a statement of a better-sqlite3 connection, run synchronously. */
export interface SqliteQuery<Values, Row> {
  /** The rows it returns for `values`. */
  rows(values: Values): Row[];
  /** Run it for `values`; how many rows it changed. */
  run(values: Values): number;
}

interface Compiled<Name, Row> {
  template: CompiledQuery<Row>;
  slots: Slot<Name>[];
}

// Control characters cannot occur in a value Vigie writes through these queries, so a
// placeholder is never mistaken for data.
const placeholderOf = (index: number) => `\u0000vigie-parameter-${index}\u0000`;

/**
 * A query with named parameters `Values` (in database form: JSON and times as text) returning
 * rows of `Row`.
 */
export class PreparedQuery<Values extends { [K in keyof Values]: unknown }, Row> {
  private readonly compiled = new Map<DialectName, Compiled<keyof Values, Row>>();

  /**
   * `build` receives a placeholder for each of `names`, typed as its value so it fits the columns
   * it is bound to. It must pass each to Kysely unchanged (convert values before run(), never
   * inside the builder) and use every one of them; compiling checks this.
   */
  constructor(
    private readonly names: readonly (keyof Values & string)[],
    private readonly build: (db: Database, parameters: Values) => Compilable<Row>,
  ) {}

  /** Run on `db` (a handle or a transaction) with these values. */
  run(db: Database, values: Values): Promise<QueryResult<Row>> {
    const { template, slots } = this.compiledFor(db);
    const parameters = slots.map((slot) => ('name' in slot ? values[slot.name] : slot.constant));
    return db.executeQuery({ ...template, parameters });
  }

  /**
   * This query as a statement of `sqlite`, run synchronously (the SQLite ingestion thread, where
   * awaiting each statement would only add overhead). `db` is a Kysely handle of SQLite: it
   * compiles the SQL.
   */
  onSqlite(db: Database, sqlite: BetterSqlite3.Database): SqliteQuery<Values, Row> {
    if (dialectOf(db) !== 'sqlite') throw new Error('onSqlite needs a SQLite Kysely handle to compile with');
    const { template, slots } = this.compiledFor(db);
    const statement = sqlite.prepare(template.sql);
    const bind = (values: Values) => slots.map((slot) => ('name' in slot ? values[slot.name] : slot.constant));
    return {
      rows: (values) => statement.all(...bind(values)) as Row[],
      run: (values) => statement.run(...bind(values)).changes,
    };
  }

  private compiledFor(db: Database): Compiled<keyof Values, Row> {
    const dialect = dialectOf(db);
    let compiled = this.compiled.get(dialect);
    if (compiled === undefined) {
      compiled = this.compile(db);
      this.compiled.set(dialect, compiled);
    }
    return compiled;
  }

  private compile(db: Database): Compiled<keyof Values, Row> {
    const byPlaceholder = new Map<unknown, keyof Values & string>(this.names.map((name, index) => [placeholderOf(index), name]));
    // Strings standing for values of other types: the builder only hands them on to Kysely.
    const placeholders = Object.fromEntries(this.names.map((name, index) => [name, placeholderOf(index)])) as unknown as Values;
    const template = this.build(db, placeholders).compile();
    const slots = template.parameters.map((parameter): Slot<keyof Values & string> => {
      const name = byPlaceholder.get(parameter);
      return name === undefined ? { constant: parameter } : { name };
    });
    const used = new Set(slots.flatMap((slot) => ('name' in slot ? [slot.name] : [])));
    const unused = this.names.filter((name) => !used.has(name));
    // A placeholder the builder transformed (or dropped) would silently bind the wrong value.
    if (unused.length > 0) throw new Error(`prepared query does not use its parameter(s) ${unused.join(', ')} as given`);
    return { template, slots };
  }
}
