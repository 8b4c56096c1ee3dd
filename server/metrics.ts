// Prometheus metrics (prom-client), one registry per app so several apps in one process (tests)
// never mix their figures: HTTP latency by route, ingestion outcomes and group-commit batches,
// database operation timings, and the process defaults (CPU, memory, event-loop lag).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestionObserver } from './ingestion/ingestion.js';

/** Buckets in seconds, from a fast in-memory answer to a slow commit. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

export interface ServerMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  reportsIngested: Counter<'outcome'>;
  batchSize: Histogram;
  batchRetries: Counter;
  databaseDuration: Histogram<'operation'>;
  /** Feeds ingestion's events into these metrics (see configureIngestion). */
  ingestionObserver: IngestionObserver;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'vigie_' });
  const registers = [registry];
  const httpDuration = new Histogram({
    name: 'vigie_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const reportsIngested = new Counter({
    name: 'vigie_reports_ingested_total',
    help: 'Reports accepted by ingestion, by outcome (stored, duplicate).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const batchSize = new Histogram({
    name: 'vigie_ingestion_batch_size',
    help: 'Reports written per group-commit transaction.',
    buckets: BATCH_BUCKETS,
    registers,
  });
  const batchRetries = new Counter({
    name: 'vigie_ingestion_batch_retries_total',
    help: 'Group-commit transactions rolled back and retried report by report.',
    registers,
  });
  const databaseDuration = new Histogram({
    name: 'vigie_db_operation_duration_seconds',
    help: 'Database operation latency (commit_batch: one group-commit transaction; authenticate_agent: reading an agent credential; readiness).',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const ingestionObserver: IngestionObserver = {
    batchCommitted(size, seconds) {
      batchSize.observe(size);
      databaseDuration.observe({ operation: 'commit_batch' }, seconds);
    },
    batchRetried() {
      batchRetries.inc();
    },
    reportIngested(status) {
      reportsIngested.inc({ outcome: status });
    },
    databaseOperation(operation, seconds) {
      databaseDuration.observe({ operation }, seconds);
    },
  };
  return { registry, httpDuration, reportsIngested, batchSize, batchRetries, databaseDuration, ingestionObserver };
}
