// The server side of the SQLite ingestion thread: a ReportSink that forwards prepared reports to
// a worker thread running a GroupCommitter over its own connection (server/ingestion/ingestion-worker.ts).
// better-sqlite3 is synchronous, so a commit there (fsync of the WAL) no longer stalls requests.
// The worker starts on the first report and does not keep the process alive while idle. If it
// dies, the reports it held are refused with a 503 (agents keep them and retry) and the next
// report starts a new one.
import { Worker } from 'node:worker_threads';
import { ApiError, shuttingDown } from '../errors.js';
import {
  type GroupCommitOptions,
  type IngestionObserver,
  type IngestionResult,
  type PreparedReport,
  type ReportSink,
} from './report-sink.js';
import { toWire, type FromWorker, type ToWorker, type WireError, type WorkerInit } from './ingestion-worker-protocol.js';
import { MessageBatcher } from './message-batcher.js';

const WORKER_MODULE = new URL(`./ingestion-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
const WORKER_BOOT = new URL('./ingestion-worker-boot.mjs', import.meta.url);

/**
 * In the worker a transaction no longer holds up requests, so batches may be larger than the
 * in-process default: more reports share one fsync.
 */
const THREAD_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 128, maxWaitMs: 2 };

/** A draining worker writes what it holds then exits; one that does not within this is stopped. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * The worker's environment: the server's, without coverage collection. Under a coverage run the
 * worker's TypeScript, compiled by its own tsx loader, would be merged into the report with other
 * offsets and corrupt it (as spawned children did; tests/helpers/child-env.ts). Its code also runs
 * in-process (PostgreSQL ingestion, the GroupCommitter tests), where it is measured.
 */
function workerEnv(): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _coverage, ...env } = process.env;
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
}

interface Waiting {
  resolve(result: IngestionResult): void;
  reject(error: unknown): void;
}

const unwire = (error: WireError): Error =>
  error.api === undefined ? new Error(error.message) : new ApiError(error.api.statusCode, error.api.code, error.message);

const threadLost = () =>
  new ApiError(503, 'ingestion_unavailable', 'The ingestion thread stopped before storing this report; retry later.');

export class SqliteIngestionThread implements ReportSink {
  observer: IngestionObserver | null = null;
  private currentOptions: GroupCommitOptions = { ...THREAD_GROUP_COMMIT };
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;
  private drained: Promise<void> | null = null;
  private readonly outbox = new MessageBatcher<ToWorker>((messages) => this.worker?.postMessage(messages));

  constructor(private readonly file: string) {}

  get options(): GroupCommitOptions {
    return this.currentOptions;
  }

  set options(options: GroupCommitOptions) {
    this.currentOptions = { ...options };
    this.post({ kind: 'configure', options: this.currentOptions });
  }

  get pending(): number {
    return this.waiting.size;
  }

  submit(item: PreparedReport): Promise<IngestionResult> {
    if (this.closed) return Promise.reject(shuttingDown());
    const id = this.nextId++;
    return new Promise<IngestionResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const worker = this.started();
      if (this.waiting.size === 1) worker.ref(); // keep the process up while reports are in flight
      this.outbox.push({ kind: 'submit', id, report: toWire(item) });
    });
  }

  drain(): Promise<void> {
    this.closed = true;
    this.drained ??= this.stopWorker();
    return this.drained;
  }

  /** Let the worker write what it holds and exit on its own (bounded: then it is terminated). */
  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    worker.ref();
    await new Promise<void>((resolve) => {
      if (this.worker !== worker) return resolve(); // it already stopped on its own
      const timer = setTimeout(() => void worker.terminate(), DRAIN_TIMEOUT_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.post({ kind: 'drain' });
    });
    this.worker = null;
  }

  private post(message: ToWorker): void {
    this.outbox.push(message);
    this.outbox.flush();
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const init: WorkerInit = { entry: WORKER_MODULE, file: this.file, options: this.currentOptions };
    // Of execArgv, only CPU profiling is passed on (bench/ingestion.bench.ts profiles the server):
    // the boot module registers what the worker needs (tsx), and test runners' import hooks
    // (coverage) stay out of it.
    const execArgv = process.execArgv.filter((option) => option.startsWith('--cpu-prof'));
    const worker = new Worker(WORKER_BOOT, { workerData: init, env: workerEnv(), execArgv });
    worker.unref();
    worker.on('message', (messages: FromWorker[]) => {
      for (const message of messages) this.received(message);
    });
    worker.on('error', () => this.lost(worker));
    worker.on('exit', () => this.lost(worker));
    this.worker = worker;
    return worker;
  }

  private received(message: FromWorker): void {
    switch (message.kind) {
      case 'settled':
        this.observer?.reportIngested(message.result.status);
        this.settle(message.id, (w) => w.resolve(message.result));
        break;
      case 'failed':
        this.settle(message.id, (w) => w.reject(unwire(message.error)));
        break;
      case 'batch':
        this.observer?.batchCommitted(message.size, message.seconds);
        break;
      case 'retried':
        this.observer?.batchRetried(message.size);
        break;
    }
  }

  private settle(id: number, action: (waiting: Waiting) => void): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    this.waiting.delete(id);
    // Idle: let the process exit. Not while draining: the worker's last word is still to come.
    if (this.waiting.size === 0 && !this.closed) this.worker?.unref();
    action(waiting);
  }

  /** The worker stopped: what it held cannot be known committed, so the agents must retry. */
  private lost(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.outbox.clear();
    for (const waiting of this.waiting.values()) waiting.reject(threadLost());
    this.waiting.clear();
  }
}
