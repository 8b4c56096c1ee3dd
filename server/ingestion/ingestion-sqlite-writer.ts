// The report writer of the SQLite ingestion thread (server/ingestion/ingestion-worker.ts): the same checks
// and rows as KyselyReportWriter (server/ingestion/ingestion.ts), run synchronously on the thread's own
// better-sqlite3 connection. Nothing else runs on that thread, so awaiting each statement (as
// Kysely's asynchronous API must) would only add overhead to every report. The SQL is the
// repositories' own (PreparedQuery), compiled by Kysely for SQLite.
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteQuery } from '../db/prepared-query.js';
import { FIND_ENROLLED_AGENT, RECORD_REPORT_SEEN, toEnrolledAgent, type EnrolledAgentRow, type SeenReport } from '../db/hosts.js';
import { FIND_REPORT_OWNER, INSERT_REPORT_IF_NEW, type JudgedReportRow } from '../db/reports.js';
import type { Database } from '../db/schema.js';
import { verdictSetRow } from '../db/verdicts.js';
import { ApiError } from '../errors.js';
import {
  assertStillEnrolled,
  duplicateOrConflict,
  type IngestionResult,
  type Outcome,
  type PreparedReport,
  type ReportWriter,
} from './ingestion.js';

export class SqliteReportWriter implements ReportWriter {
  /** SQLite has one writer at a time. */
  readonly concurrentTransactions = 1;
  private readonly enrolledAgent: SqliteQuery<{ host_id: string }, EnrolledAgentRow>;
  private readonly insertReport: SqliteQuery<JudgedReportRow, never>;
  private readonly reportOwner: SqliteQuery<{ report_id: string }, { host_id: string }>;
  private readonly recordSeen: SqliteQuery<SeenReport, never>;
  private readonly transaction: BetterSqlite3.Transaction<(items: readonly PreparedReport[]) => Outcome[]>;

  /** `db` is Kysely over `sqlite` (it compiles the statements). */
  constructor(db: Database, sqlite: BetterSqlite3.Database) {
    this.enrolledAgent = FIND_ENROLLED_AGENT.onSqlite(db, sqlite);
    this.insertReport = INSERT_REPORT_IF_NEW.onSqlite(db, sqlite);
    this.reportOwner = FIND_REPORT_OWNER.onSqlite(db, sqlite);
    this.recordSeen = RECORD_REPORT_SEEN.onSqlite(db, sqlite);
    this.transaction = sqlite.transaction((items: readonly PreparedReport[]) => items.map((item) => this.outcomeOf(item)));
  }

  writeBatch(items: readonly PreparedReport[]): Promise<Outcome[]> {
    // BEGIN IMMEDIATE, as every transaction of Vigie (server/db/database.ts). A throw rolls back.
    return new Promise((resolve) => resolve(this.transaction.immediate(items)));
  }

  private outcomeOf(item: PreparedReport): Outcome {
    try {
      return { result: this.write(item) };
    } catch (error) {
      if (error instanceof ApiError) return { refused: error };
      throw error;
    }
  }

  /** As writeReport in server/ingestion/ingestion.ts: an ApiError means nothing of the report was written. */
  private write({ agent, row, verdicts, seen }: PreparedReport): IngestionResult {
    assertStillEnrolled(toEnrolledAgent(agent.host_id, this.enrolledAgent.rows({ host_id: agent.host_id })[0]), agent);
    if (this.insertReport.run({ ...row, ...verdictSetRow(verdicts) }) === 0) {
      const owner = this.reportOwner.rows({ report_id: row.report_id })[0];
      if (owner === undefined) throw new Error(`report ${row.report_id} was neither inserted nor found`);
      return duplicateOrConflict(owner.host_id, row.report_id, agent.host_id);
    }
    this.recordSeen.run(seen);
    return { status: 'stored', report_id: row.report_id, verdicts: verdicts.summary };
  }
}
