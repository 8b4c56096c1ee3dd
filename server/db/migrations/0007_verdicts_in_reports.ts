// Each report's verdict set moves into the report's own row, and `verdict_sets` becomes a view
// over `reports` with the same columns, so every reader is unchanged. Why: ingestion wrote two
// rows per report, and the second one (with its primary-key and host indexes) cost about 60 µs of
// the ~160 µs of writing a report on SQLite (bench/report-writer.bench.ts). Now one INSERT
// stores the report and its judgement together, so ingestion cannot store a report without its
// verdicts.
// The verdict columns are nullable: a report row exists only once judged, but SQLite cannot add
// NOT NULL columns without a default. The view shows judged rows only (statuses not null).
// Evidence retention (server/db/reports.ts) still only clears `body`: verdict history is kept.
// Dialect-neutral: UPDATE ... FROM and CREATE VIEW are the same on SQLite (3.33+) and PostgreSQL.
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';
import { createVerdictSetsTable } from './0005_verdict_sets.js';

/** The verdict-set columns other than its keys (report_id, host_id), in verdict_sets' order. */
const VERDICT_COLUMNS = [
  'evaluated_at',
  'pack_label',
  'pack_fingerprint',
  'statuses',
  'pass',
  'warn',
  'fail',
  'not_applicable',
  'unknown',
  'details',
] as const;

const columnList = (names: readonly string[]) => sql.join(names.map((name) => sql.ref(name)));

export function verdictsInReportsMigration(dialect: DialectName): Migration {
  const { json, timestamp } = columnTypes(dialect);
  const typeOf = (column: (typeof VERDICT_COLUMNS)[number]) => {
    if (column === 'evaluated_at') return timestamp;
    if (column === 'statuses' || column === 'details') return json;
    if (column === 'pack_label' || column === 'pack_fingerprint') return 'text';
    return 'integer';
  };
  return {
    async up(db: Kysely<unknown>) {
      for (const column of VERDICT_COLUMNS) await db.schema.alterTable('reports').addColumn(column, typeOf(column)).execute();
      const assignments = sql.join(VERDICT_COLUMNS.map((column) => sql`${sql.ref(column)} = ${sql.ref(`v.${column}`)}`));
      await sql`UPDATE reports SET ${assignments} FROM verdict_sets AS v WHERE v.report_id = reports.report_id`.execute(db);
      await db.schema.dropTable('verdict_sets').execute();
      await sql`CREATE VIEW verdict_sets AS
        SELECT ${columnList(['report_id', 'host_id', ...VERDICT_COLUMNS])} FROM reports WHERE statuses IS NOT NULL`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      await sql`DROP VIEW verdict_sets`.execute(db);
      await createVerdictSetsTable(db, dialect);
      const columns = columnList(['report_id', 'host_id', ...VERDICT_COLUMNS]);
      await sql`INSERT INTO verdict_sets (${columns}) SELECT ${columns} FROM reports WHERE statuses IS NOT NULL`.execute(db);
      for (const column of VERDICT_COLUMNS) await db.schema.alterTable('reports').dropColumn(column).execute();
    },
  };
}
