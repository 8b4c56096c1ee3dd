// One row per judged report instead of one row per rule: `verdict_sets` keeps each report's
// statuses by rule (the history trends read), their counts (the fleet lists read) and the
// fingerprint of the pack that judged it. Explanations are not copied into every row any more:
// they are derived again from the stored report with the same pack when shown (see
// server/verdicts/verdict-details.ts), which cut ingestion's writes from ~20 KB of text per report to
// well under 1 KB. Rows of the old `verdicts` table are carried over whole: their texts go to
// `details`, which is what is shown for them.
// Dialect-neutral: column types that differ come from columnTypes(); no dialect-specific SQL.
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type DialectName } from '../columns.js';

/** Rows of the old table read per pass while carrying them over (bounded memory). */
const CARRY_OVER_PAGE = 5_000;

interface OldVerdictRow {
  report_id: string;
  host_id: string;
  rule_id: string;
  status: string;
  severity: string;
  title: unknown;
  explanation: unknown;
  evidence: unknown;
  threshold: string | null;
  rule_references: unknown;
  evaluated_at: string | Date;
}

const parsed = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
const iso = (value: string | Date): string => (value instanceof Date ? value.toISOString() : value);

/** The verdict_sets table and its index, as this migration makes it (migration 0007's down makes it again). */
export async function createVerdictSetsTable(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const { json, timestamp } = columnTypes(dialect);
  await db.schema
    .createTable('verdict_sets')
    .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.report_id'))
    .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.host_id'))
    .addColumn('evaluated_at', timestamp, (c) => c.notNull())
    /** "server v2 + site chi-vallee v3": which pack judged, for people. */
    .addColumn('pack_label', 'text', (c) => c.notNull())
    /** SHA-256 of the Vigie version and the resolved pack: which pack judged, for the machine. */
    .addColumn('pack_fingerprint', 'text', (c) => c.notNull())
    /** {"NET-01": ["pass", "high"], ...}: status and severity by rule, in rule order. */
    .addColumn('statuses', json, (c) => c.notNull())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .addColumn('warn', 'integer', (c) => c.notNull())
    .addColumn('fail', 'integer', (c) => c.notNull())
    .addColumn('not_applicable', 'integer', (c) => c.notNull())
    .addColumn('unknown', 'integer', (c) => c.notNull())
    /** Full verdicts frozen at write time; only rows carried over from the old table have them. */
    .addColumn('details', json)
    .execute();
  await db.schema.createIndex('verdict_sets_host_idx').on('verdict_sets').columns(['host_id', 'evaluated_at']).execute();
}

export function verdictSetsMigration(dialect: DialectName): Migration {
  const { json, timestamp } = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await createVerdictSetsTable(db, dialect);

      // Carry the old per-rule rows over, one report at a time, in report order.
      const old = db as unknown as Kysely<{ verdicts: OldVerdictRow; verdict_sets: Record<string, unknown> }>;
      let after = '';
      for (;;) {
        const rows = await old
          .selectFrom('verdicts')
          .selectAll()
          .where('report_id', '>', after)
          .orderBy('report_id')
          .orderBy('rule_id')
          .limit(CARRY_OVER_PAGE)
          .execute();
        if (rows.length === 0) break;
        // A page may end inside a report: keep only whole reports unless the page is the last one.
        const lastId = rows[rows.length - 1]!.report_id;
        const whole = rows.length === CARRY_OVER_PAGE && rows[0]!.report_id !== lastId ? rows.filter((r) => r.report_id !== lastId) : rows;
        const byReport = new Map<string, OldVerdictRow[]>();
        for (const row of whole) {
          const list = byReport.get(row.report_id);
          if (list === undefined) byReport.set(row.report_id, [row]);
          else list.push(row);
        }
        for (const [reportId, list] of byReport) {
          const counts: Record<string, number> = { pass: 0, warn: 0, fail: 0, not_applicable: 0, unknown: 0 };
          for (const r of list) counts[r.status] = (counts[r.status] ?? 0) + 1;
          await old
            .insertInto('verdict_sets')
            .values({
              report_id: reportId,
              host_id: list[0]!.host_id,
              evaluated_at: iso(list[0]!.evaluated_at),
              pack_label: 'unrecorded (before migration 0005)',
              pack_fingerprint: 'legacy',
              statuses: JSON.stringify(Object.fromEntries(list.map((r) => [r.rule_id, [r.status, r.severity]]))),
              pass: counts.pass,
              warn: counts.warn,
              fail: counts.fail,
              not_applicable: counts.not_applicable,
              unknown: counts.unknown,
              details: JSON.stringify(
                list.map((r) => ({
                  rule_id: r.rule_id,
                  title: parsed(r.title),
                  severity: r.severity,
                  status: r.status,
                  explanation: parsed(r.explanation),
                  evidence: parsed(r.evidence),
                  threshold: r.threshold,
                  references: parsed(r.rule_references),
                })),
              ),
            })
            .execute();
        }
        after = whole[whole.length - 1]!.report_id;
      }
      await db.schema.dropTable('verdicts').execute();
    },

    async down(db: Kysely<unknown>) {
      // The per-rule table comes back empty: verdicts are derived again from the stored reports.
      await db.schema.dropTable('verdict_sets').execute();
      await db.schema
        .createTable('verdicts')
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.report_id'))
        .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.host_id'))
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('title', json, (c) => c.notNull())
        .addColumn('explanation', json, (c) => c.notNull())
        .addColumn('evidence', json, (c) => c.notNull())
        .addColumn('threshold', 'text')
        .addColumn('rule_references', json, (c) => c.notNull())
        .addColumn('evaluated_at', timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('verdicts_pk', ['report_id', 'rule_id'])
        .execute();
    },
  };
}
