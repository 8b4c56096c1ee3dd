// Ingesting a report: check it belongs to the authenticated host, evaluate it with the pack of the
// host's enrolled role (and site overlay), then store report + verdict set + last-seen durably.
// The caller acknowledges only after this resolves, i.e. after the commit.
//
// On SQLite the writes run in a worker thread of their own (server/ingestion-thread.ts), because
// better-sqlite3 is synchronous: a commit waiting for fsync would otherwise stall every request.
// The worker runs this same GroupCommitter over its own connection. On PostgreSQL the driver is
// asynchronous and the committer runs here.
//
// Group commit: concurrent reports are written together in small transactions (at most
// `maxBatch` reports, gathered for at most `maxWaitMs`), one transaction at a time per database.
// Each request's promise settles only after the transaction holding its report has committed.
// Small batches keep each synchronous SQLite transaction short, so the event loop keeps serving
// requests; batching amortises the commit (and, on PostgreSQL, round trips).
//
// Exactly-once: a report_id already stored is answered `duplicate` (same host) or refused
// `report_id_conflict` (another host) before queueing; two requests racing with the same id end
// in one stored row, the other being answered from the stored one. If a batch fails, it is rolled
// back whole and its reports are retried one by one, so one bad report never affects another and
// a refused report leaves stored data unchanged.
import type { Report } from '../policies/evidence.js';
import { evaluate } from '../policies/evaluate.js';
import { packLabel, type Pack } from '../policies/pack.js';
import { recordReportSeen, type HostRecord, type SeenReport } from './db/hosts.js';
import { isUniqueViolation } from './db/columns.js';
import { sqliteFileOf } from './db/database.js';
import { findReportRef, insertReport, reportRow, type ReportRow } from './db/reports.js';
import type { Database } from './db/schema.js';
import { insertVerdictSet, verdictSetRecord, type VerdictSetRecord, type VerdictSummary } from './db/verdicts.js';
import { ApiError, shuttingDown } from './errors.js';
import { SqliteIngestionThread } from './ingestion-thread.js';
import { packFingerprint } from './pack-fingerprint.js';

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
  /** Time spent in one database operation outside batches (e.g. the duplicate check). */
  databaseOperation(operation: string, seconds: number): void;
}

/** The server is authoritative for identity: the report must match what was enrolled. */
export function assertReportMatchesHost(report: Report, host: HostRecord): void {
  if (report.host.host_id !== host.host_id) {
    throw new ApiError(403, 'host_mismatch', 'The report names another host than the one whose credential was presented.');
  }
  if (report.host.role !== host.role) {
    throw new ApiError(
      409,
      'role_mismatch',
      `The report says role "${report.host.role}" but this host is enrolled as "${host.role}"; the server's enrollment is authoritative.`,
    );
  }
  if (report.host.site !== host.site) {
    throw new ApiError(
      409,
      'site_mismatch',
      `The report says site "${report.host.site}" but this host is enrolled at "${host.site}"; the server's enrollment is authoritative.`,
    );
  }
}

/** A replay from the same host is a no-op; a report_id used by another host is a conflict. */
function duplicateOrConflict(existingHostId: string, reportId: string, hostId: string): IngestionResult {
  if (existingHostId !== hostId) {
    throw new ApiError(409, 'report_id_conflict', 'This report_id is already used by another host.');
  }
  return { status: 'duplicate', report_id: reportId };
}

/** A checked, judged report ready to be written: plain data, so it can cross to a worker thread. */
export interface PreparedReport {
  row: ReportRow;
  verdicts: VerdictSetRecord;
  seen: SeenReport;
}

/** Judge `report` with `pack` at `now` and shape what is written; `text` is its JSON as received. */
export function prepareReport(report: Report, host: HostRecord, pack: Pack, now: Date, text?: string): PreparedReport {
  const verdicts = evaluate(report, pack, now);
  const ids = { report_id: report.report_id, host_id: host.host_id };
  return {
    row: reportRow(report, host.host_id, now, text),
    verdicts: verdictSetRecord(ids, verdicts, { label: packLabel(pack), fingerprint: packFingerprint(pack) }, now),
    seen: {
      report_id: report.report_id,
      collected_at: report.collected_at,
      seen_at: now,
      hostname: report.host.hostname,
      os: report.host.os,
      agent_version: report.agent_version,
    },
  };
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

interface PendingReport {
  item: PreparedReport;
  queuedAt: number;
  resolve(result: IngestionResult): void;
  reject(error: unknown): void;
}

async function writeReport(db: Database, { row, verdicts, seen }: PreparedReport): Promise<void> {
  await insertReport(db, row);
  await insertVerdictSet(db, verdicts);
  await recordReportSeen(db, row.host_id, seen);
}

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;

const stored = (item: PreparedReport): IngestionResult => ({ status: 'stored', report_id: item.row.report_id, verdicts: item.verdicts.summary });

/** Writes queued reports of one database in small, sequential transactions. */
export class GroupCommitter implements ReportSink {
  private readonly queue: PendingReport[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(
    private readonly db: Database,
    public options: GroupCommitOptions = { ...DEFAULT_GROUP_COMMIT },
    public observer: IngestionObserver | null = null,
  ) {}

  /** Queue a checked, evaluated report; resolves once its transaction committed. */
  submit(item: PreparedReport): Promise<IngestionResult> {
    if (this.closed) return Promise.reject(shuttingDown());
    return new Promise((resolve, reject) => {
      this.queue.push({ item, queuedAt: Date.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Reports queued or being written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Refuse new reports and write every queued one (graceful shutdown). */
  async drain(): Promise<void> {
    this.closed = true;
    this.cancelScheduled();
    // Bounded: each pass empties up to maxBatch reports and nothing new can be queued.
    while (this.flushing !== null || this.queue.length > 0) {
      await (this.flushing ?? this.flush());
    }
  }

  private schedule(): void {
    if (this.flushing !== null) return; // the running flush schedules the next one
    if (this.queue.length >= this.options.maxBatch || this.options.maxWaitMs <= 0) this.flushAfter(0);
    else if (this.timer === null && this.immediate === null) this.flushAfter(this.options.maxWaitMs);
  }

  /** 0: on the next loop turn (setImmediate), so requests already read from sockets join the batch. */
  private flushAfter(delayMs: number): void {
    this.cancelScheduled();
    if (delayMs <= 0) this.immediate = setImmediate(() => void this.flush());
    else this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private cancelScheduled(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private flush(): Promise<void> {
    if (this.flushing !== null) return this.flushing;
    this.cancelScheduled();
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.flushing = this.writeBatch(batch).finally(() => {
      this.flushing = null;
      // While draining, drain() itself starts the next flush.
      if (this.queue.length === 0 || this.closed) return;
      const waited = Date.now() - (this.queue[0]?.queuedAt ?? Date.now());
      const full = this.queue.length >= this.options.maxBatch;
      this.flushAfter(full ? 0 : Math.max(0, this.options.maxWaitMs - waited));
    });
    return this.flushing;
  }

  private async writeBatch(batch: PendingReport[]): Promise<void> {
    if (batch.length === 0) return;
    // Two queued reports with one id: the first is written here, the second waits for the next
    // batch, where it is answered from the stored row.
    const ids = new Set<string>();
    const writable: PendingReport[] = [];
    const later: PendingReport[] = [];
    for (const item of batch) {
      if (ids.has(item.item.row.report_id)) later.push(item);
      else {
        ids.add(item.item.row.report_id);
        writable.push(item);
      }
    }
    this.queue.unshift(...later);

    const start = process.hrtime.bigint();
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const pending of writable) await writeReport(trx, pending.item);
      });
    } catch {
      // Rolled back whole: write each report on its own so only the failing one fails.
      this.observer?.batchRetried(writable.length);
      for (const item of writable) await this.writeAlone(item);
      return;
    }
    this.observer?.batchCommitted(writable.length, seconds(start));
    for (const pending of writable) this.settle(pending, stored(pending.item));
  }

  private async writeAlone(pending: PendingReport): Promise<void> {
    const { item } = pending;
    const start = process.hrtime.bigint();
    try {
      await this.db.transaction().execute((trx) => writeReport(trx, item));
      this.observer?.batchCommitted(1, seconds(start));
      this.settle(pending, stored(item));
    } catch (error) {
      // The same report_id committed by a concurrent request (or another server replica).
      if (isUniqueViolation(error)) {
        try {
          const raced = await findReportRef(this.db, item.row.report_id);
          if (raced !== undefined) {
            this.settle(pending, () => duplicateOrConflict(raced.host_id, item.row.report_id, item.row.host_id));
            return;
          }
        } catch (lookupError) {
          pending.reject(lookupError);
          return;
        }
      }
      pending.reject(error);
    }
  }

  private settle(item: PendingReport, result: IngestionResult | (() => IngestionResult)): void {
    try {
      const value = typeof result === 'function' ? result() : result;
      this.observer?.reportIngested(value.status);
      item.resolve(value);
    } catch (error) {
      item.reject(error);
    }
  }
}

/** One sink per database handle, so every request on it shares the same batches. */
const sinks = new WeakMap<Database, ReportSink>();

/** The database's sink: a worker thread for a SQLite file, a GroupCommitter here otherwise. */
export function committerFor(db: Database): ReportSink {
  let sink = sinks.get(db);
  if (sink === undefined) {
    const file = sqliteFileOf(db);
    sink = file === undefined ? new GroupCommitter(db) : new SqliteIngestionThread(file);
    sinks.set(db, sink);
  }
  return sink;
}

/** Tune the database's sink and attach an observer (metrics); returns the sink. */
export function configureIngestion(
  db: Database,
  settings: { options?: Partial<GroupCommitOptions>; observer?: IngestionObserver | null },
): ReportSink {
  const sink = committerFor(db);
  if (settings.options !== undefined) {
    const next = { ...sink.options, ...settings.options };
    if (!(Number.isInteger(next.maxBatch) && next.maxBatch >= 1 && next.maxBatch <= 1000)) {
      throw new RangeError(`maxBatch must be an integer in [1, 1000], got ${next.maxBatch}`);
    }
    if (!(next.maxWaitMs >= 0 && next.maxWaitMs <= 1000)) {
      throw new RangeError(`maxWaitMs must be in [0, 1000], got ${next.maxWaitMs}`);
    }
    sink.options = next;
  }
  if (settings.observer !== undefined) sink.observer = settings.observer;
  return sink;
}

/** Write every queued report of this database and refuse new ones (call before closing it). */
export async function drainIngestion(db: Database): Promise<void> {
  await sinks.get(db)?.drain();
}

export async function ingestReport(
  db: Database,
  host: HostRecord,
  report: Report,
  pack: Pack,
  now: Date,
  text?: string,
): Promise<IngestionResult> {
  assertReportMatchesHost(report, host);
  const sink = committerFor(db);
  const start = process.hrtime.bigint();
  const existing = await findReportRef(db, report.report_id);
  sink.observer?.databaseOperation('find_report', seconds(start));
  if (existing !== undefined) {
    const result = duplicateOrConflict(existing.host_id, report.report_id, host.host_id);
    sink.observer?.reportIngested(result.status);
    return result;
  }
  // Evaluation is pure CPU work: done before queueing so transactions stay short.
  return sink.submit(prepareReport(report, host, pack, now, text));
}
