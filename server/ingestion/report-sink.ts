// The contract between ingestion (server/ingestion/ingestion.ts, which judges reports) and where
// judged reports are written: a GroupCommitter in this thread, or one in the SQLite worker thread
// (ingestion-thread.ts). Apart so that both sides name it without importing each other.
import type { AgentIdentity } from '../auth/agent-credentials.js';
import type { SeenReport } from '../db/hosts.js';
import type { ReportRow } from '../db/reports.js';
import type { VerdictSetRecord, VerdictSummary } from '../db/verdicts.js';

export type IngestionResult =
  | { status: 'stored'; report_id: string; verdicts: VerdictSummary }
  | { status: 'duplicate'; report_id: string };

/** Group-commit tuning (see bench/ingestion.bench.ts). */
export interface GroupCommitOptions {
  /** Most reports written by one transaction. */
  maxBatch: number;
  /** Longest a queued report waits for companions before its transaction starts. */
  maxWaitMs: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 32, maxWaitMs: 2 };

/** What ingestion reports to the metrics (server/metrics.ts); every method optional in effect. */
export interface IngestionObserver {
  /** A transaction committed `size` reports in `seconds`. */
  batchCommitted(size: number, seconds: number): void;
  /** A transaction failed and its reports were retried one by one. */
  batchRetried(size: number): void;
  /** A report's outcome. */
  reportIngested(status: IngestionResult['status']): void;
  /** Time spent in one database operation outside batches (e.g. authenticating an agent). */
  databaseOperation(operation: string, seconds: number): void;
}

/** A judged report ready to be checked and written: plain data, so it can cross to a worker thread. */
export interface PreparedReport {
  /** The agent as authenticated, with the digest of the credential it presented. */
  agent: AgentIdentity;
  row: ReportRow;
  verdicts: VerdictSetRecord;
  seen: SeenReport;
}

/** Where ingestion sends prepared reports: a GroupCommitter here, or one in a worker thread. */
export interface ReportSink {
  /** Resolves once the report's transaction committed. */
  submit(item: PreparedReport): Promise<IngestionResult>;
  /** Reports submitted and not yet settled. */
  readonly pending: number;
  /** Refuse new reports and write every queued one (graceful shutdown). */
  drain(): Promise<void>;
  options: GroupCommitOptions;
  observer: IngestionObserver | null;
}
