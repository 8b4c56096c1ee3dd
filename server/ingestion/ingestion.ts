// Ingesting a report: check it belongs to the authenticated host, evaluate it with the pack of the
// host's enrolled role (and site overlay), then store report + verdict set + last-seen durably.
// The caller acknowledges only after this resolves, i.e. after the commit.
//
// On SQLite the writes run in a worker thread of their own (server/ingestion/ingestion-thread.ts), because
// better-sqlite3 is synchronous: a commit waiting for fsync would otherwise stall every request.
// The worker runs this same GroupCommitter over its own connection, with a synchronous writer
// (server/ingestion/ingestion-sqlite-writer.ts). On PostgreSQL the driver is asynchronous and the committer
// runs here with KyselyReportWriter.
//
// Group commit: concurrent reports are written together in small transactions (at most
// `maxBatch` reports, gathered for at most `maxWaitMs`): one transaction at a time on SQLite (one
// writer), a few at once on PostgreSQL (each waits on network round trips, not on the others).
// Each request's promise settles only after the transaction holding its report has committed.
// Small batches keep each synchronous SQLite transaction short, so the event loop keeps serving
// requests; batching amortises the commit (and, on PostgreSQL, round trips).
//
// Exactly-once and authority: each report is checked again inside the transaction that stores
// it. The host must still be enrolled with the credential the request presented, unrevoked, in the
// role and site the report was judged for (the request thread authenticated it from a cache:
// server/auth/agent-credentials.ts). A report_id already stored is answered `duplicate` (same host)
// or refused `report_id_conflict` (another host); two requests with one id, in one batch or racing
// across server replicas, end in one stored row. Such refusals write nothing and leave the rest of
// the batch alone. If a transaction fails for another reason, it is rolled back whole and its
// reports are retried one by one, so one bad report never affects another.
import type { Report } from '../../policies/evidence.js';
import { evaluate } from '../../policies/evaluate.js';
import { packLabel, type Pack } from '../../policies/pack.js';
import { collectedInFuture } from '../../policies/freshness.js';
import { CLOCK_SKEW_TOLERANCE_MS } from '../../policies/rules/time.js';
import type { AgentIdentity } from '../auth/agent-credentials.js';
import { findEnrolledAgent, recordReportSeen, seenReport, type EnrolledAgent, type SeenReport } from '../db/hosts.js';
import { dialectOf } from '../db/columns.js';
import { sqliteFileOf } from '../db/database.js';
import { findReportOwner, insertReportIfNew, reportRow } from '../db/reports.js';
import type { Database } from '../db/schema.js';
import { verdictSetRecord, verdictSetRow } from '../db/verdicts.js';
import { ApiError, shuttingDown } from '../errors.js';
import { SqliteIngestionThread } from './ingestion-thread.js';
import {
  DEFAULT_GROUP_COMMIT,
  type GroupCommitOptions,
  type IngestionObserver,
  type IngestionResult,
  type PreparedReport,
  type ReportSink,
} from './report-sink.js';
import { packFingerprint } from '../verdicts/pack-fingerprint.js';
import { digestsMatch } from '../secrets/secrets.js';

export { DEFAULT_GROUP_COMMIT, type GroupCommitOptions, type IngestionObserver, type IngestionResult, type PreparedReport, type ReportSink } from './report-sink.js';

/** Who a report says it comes from, or who is enrolled: the part of identity a report must match. */
type HostClaim = Pick<AgentIdentity, 'host_id' | 'role' | 'site'>;

/** The server is authoritative for identity: the report must match what was enrolled. */
function assertReportMatchesHost(claimed: HostClaim, enrolled: HostClaim): void {
  if (claimed.host_id !== enrolled.host_id) {
    throw new ApiError(403, 'host_mismatch', 'The report names another host than the one whose credential was presented.');
  }
  if (claimed.role !== enrolled.role) {
    throw new ApiError(
      409,
      'role_mismatch',
      `The report says role "${claimed.role}" but this host is enrolled as "${enrolled.role}"; the server's enrollment is authoritative.`,
    );
  }
  if (claimed.site !== enrolled.site) {
    throw new ApiError(
      409,
      'site_mismatch',
      `The report says site "${claimed.site}" but this host is enrolled at "${enrolled.site}"; the server's enrollment is authoritative.`,
    );
  }
}

/**
 * A report collected beyond the clock tolerance after the server's clock is refused: stored, it
 * would stay the host's most recent report until that date, hiding every later genuine one.
 */
export function assertNotFromTheFuture(report: Pick<Report, 'collected_at'>, now: Date): void {
  if (!collectedInFuture(report.collected_at, now)) return;
  const minutes = CLOCK_SKEW_TOLERANCE_MS / 60_000;
  throw new ApiError(
    422,
    'collected_at_in_future',
    `collected_at (${report.collected_at}) is more than ${minutes} minutes after the server's clock (${now.toISOString()}): check the host's clock.`,
    [{ field: '/collected_at', reason: `more than ${minutes} minutes in the future` }],
  );
}

/** Error codes saying that what the request thread knew of the agent is out of date. */
export const AGENT_REFUSALS: ReadonlySet<string> = new Set(['unauthenticated', 'host_revoked', 'role_mismatch', 'site_mismatch']);

const unauthenticated = () => new ApiError(401, 'unauthenticated', 'A valid agent credential is required (Authorization: Bearer ...).');

/**
 * In the storing transaction: the agent is still enrolled (`enrolled`, as read there) as it was
 * authenticated and judged.
 */
export function assertStillEnrolled(enrolled: EnrolledAgent | undefined, agent: AgentIdentity): void {
  if (enrolled === undefined || !digestsMatch(agent.credential_hash, enrolled.credential_hash)) throw unauthenticated();
  if (enrolled.revoked) throw new ApiError(403, 'host_revoked', 'This host has been revoked; it must be enrolled again.');
  assertReportMatchesHost(agent, enrolled);
}

/** A replay from the same host is a no-op; a report_id used by another host is a conflict. */
export function duplicateOrConflict(existingHostId: string, reportId: string, hostId: string): IngestionResult {
  if (existingHostId !== hostId) {
    throw new ApiError(409, 'report_id_conflict', 'This report_id is already used by another host.');
  }
  return { status: 'duplicate', report_id: reportId };
}

/** Judge `report` of `agent` with `pack` at `now` and shape what is written; `text` is its JSON as received. */
export function prepareReport(report: Report, agent: AgentIdentity, pack: Pack, now: Date, text?: string): PreparedReport {
  // `hosts:` allowlist entries match the host as enrolled, not the name its report gives.
  const verdicts = evaluate(report, pack, now, { enrolled: { host_id: agent.host_id, hostname: agent.enrolled_hostname } });
  const row = reportRow(report, agent.host_id, now, text);
  return {
    agent,
    row,
    verdicts: verdictSetRecord(row, verdicts, { label: packLabel(pack), fingerprint: packFingerprint(pack) }, now),
    seen: seenReport(report, row),
  };
}

interface PendingReport {
  item: PreparedReport;
  queuedAt: number;
  resolve(result: IngestionResult): void;
  reject(error: unknown): void;
}

/**
 * Check and write one report in transaction `db` (but for its host row: see KyselyReportWriter).
 * An ApiError means the report was refused and nothing of it was written; any other error leaves
 * the transaction to be rolled back.
 */
async function writeReport(db: Database, item: PreparedReport): Promise<IngestionResult> {
  const { agent, row } = item;
  assertStillEnrolled(await findEnrolledAgent(db, agent.host_id), agent);
  if (!(await insertReportIfNew(db, { ...row, ...verdictSetRow(item.verdicts) }))) {
    const owner = await findReportOwner(db, row.report_id);
    if (owner === undefined) throw new Error(`report ${row.report_id} was neither inserted nor found`);
    return duplicateOrConflict(owner, row.report_id, agent.host_id);
  }
  // The host row is updated by the caller, after every report of the batch (KyselyReportWriter).
  return { status: 'stored', report_id: row.report_id, verdicts: item.verdicts.summary };
}

/** What became of one report of a committed transaction. */
export type Outcome = { result: IngestionResult } | { refused: ApiError };

/** writeReport, with a refusal as an outcome rather than an exception. */
async function outcomeOf(db: Database, item: PreparedReport): Promise<Outcome> {
  try {
    return { result: await writeReport(db, item) };
  } catch (error) {
    if (error instanceof ApiError) return { refused: error };
    throw error;
  }
}

/** Writes a batch of reports in one transaction, rolled back whole if it throws. */
export interface ReportWriter {
  /** The outcome of each report, in order, once the transaction committed. */
  writeBatch(items: readonly PreparedReport[]): Promise<Outcome[]>;
  /** How many of its transactions may run at once. */
  readonly concurrentTransactions: number;
}

/** PostgreSQL transactions at once per server: a few, within the pool (server/db/database.ts). */
export const POSTGRES_CONCURRENT_TRANSACTIONS = 4;

/** The writer of PostgreSQL (and of tests on SQLite in-process): Kysely, asynchronous. */
export class KyselyReportWriter implements ReportWriter {
  readonly concurrentTransactions: number;

  constructor(private readonly db: Database) {
    this.concurrentTransactions = dialectOf(db) === 'postgres' ? POSTGRES_CONCURRENT_TRANSACTIONS : 1;
  }

  writeBatch(items: readonly PreparedReport[]): Promise<Outcome[]> {
    return this.db.transaction().execute(async (trx) => {
      const outcomes: Outcome[] = [];
      const seen: SeenReport[] = [];
      for (const item of items) {
        const outcome = await outcomeOf(trx, item);
        outcomes.push(outcome);
        if ('result' in outcome && outcome.result.status === 'stored') seen.push(item.seen);
      }
      // Host rows last and in one order (a stable sort keeps a host's reports in turn): concurrent
      // transactions then lock them in the same order and cannot deadlock on them.
      seen.sort((a, b) => compareText(a.host_id, b.host_id));
      for (const report of seen) await recordReportSeen(trx, report);
      return outcomes;
    });
  }
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;

/**
 * Writes queued reports of one database in small transactions: one at a time, or as many at once
 * as its writer allows (PostgreSQL).
 */
export class GroupCommitter implements ReportSink {
  private readonly queue: PendingReport[] = [];
  /** Transactions being written (at most writer.concurrentTransactions). */
  private readonly flushing = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(
    private readonly writer: ReportWriter,
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
    while (this.flushing.size > 0 || this.queue.length > 0) {
      if (this.queue.length > 0 && this.flushing.size < this.writer.concurrentTransactions) void this.flush();
      await Promise.race(this.flushing);
    }
  }

  private schedule(): void {
    if (this.flushing.size >= this.writer.concurrentTransactions) return; // a running flush schedules the next one
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

  private flush(): void {
    this.cancelScheduled();
    if (this.flushing.size >= this.writer.concurrentTransactions || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    const flushing: Promise<void> = this.writeBatch(batch).finally(() => {
      this.flushing.delete(flushing);
      // While draining, drain() itself starts the next flush.
      if (this.queue.length === 0 || this.closed) return;
      const waited = Date.now() - (this.queue[0]?.queuedAt ?? Date.now());
      const full = this.queue.length >= this.options.maxBatch;
      this.flushAfter(full ? 0 : Math.max(0, this.options.maxWaitMs - waited));
    });
    this.flushing.add(flushing);
    // Room for another transaction (PostgreSQL): what is left is scheduled as usual.
    if (this.queue.length > 0) this.schedule();
  }

  private async writeBatch(batch: PendingReport[]): Promise<void> {
    if (batch.length === 0) return;
    const start = process.hrtime.bigint();
    let outcomes: Outcome[];
    try {
      outcomes = await this.writer.writeBatch(batch.map((pending) => pending.item));
    } catch {
      // Rolled back whole: write each report on its own so only the failing one fails.
      this.observer?.batchRetried(batch.length);
      for (const pending of batch) await this.writeAlone(pending);
      return;
    }
    this.observer?.batchCommitted(batch.length, seconds(start));
    batch.forEach((pending, index) => this.settle(pending, outcomes[index]!));
  }

  private async writeAlone(pending: PendingReport): Promise<void> {
    const start = process.hrtime.bigint();
    let outcome: Outcome;
    try {
      [outcome] = (await this.writer.writeBatch([pending.item])) as [Outcome];
    } catch (error) {
      pending.reject(error);
      return;
    }
    this.observer?.batchCommitted(1, seconds(start));
    this.settle(pending, outcome);
  }

  private settle(pending: PendingReport, outcome: Outcome): void {
    if ('refused' in outcome) {
      pending.reject(outcome.refused);
      return;
    }
    this.observer?.reportIngested(outcome.result.status);
    pending.resolve(outcome.result);
  }
}

/** One sink per database handle, so every request on it shares the same batches. */
const sinks = new WeakMap<Database, ReportSink>();

/** The database's sink: a worker thread for a SQLite file, a GroupCommitter here otherwise. */
export function committerFor(db: Database): ReportSink {
  let sink = sinks.get(db);
  if (sink === undefined) {
    const file = sqliteFileOf(db);
    sink = file === undefined ? new GroupCommitter(new KyselyReportWriter(db)) : new SqliteIngestionThread(file);
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

/**
 * Ingest `report` from `agent` (authenticated by the request thread), judged with `pack`; resolves
 * once it is committed, or known to be a duplicate.
 */
export function ingestReport(
  db: Database,
  agent: AgentIdentity,
  report: Report,
  pack: Pack,
  now: Date,
  text?: string,
): Promise<IngestionResult> {
  assertReportMatchesHost(report.host, agent);
  assertNotFromTheFuture(report, now);
  // Evaluation is pure CPU work: done before queueing so transactions stay short.
  return committerFor(db).submit(prepareReport(report, agent, pack, now, text));
}
