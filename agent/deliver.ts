// Drains the outbox, oldest first, stopping at the first report the server cannot take now.
//
// A report the server fails on (500) while it stores the next one is not the server's fault but
// the report's (it once took a NUL in a backup status file to wedge an agent for good on
// PostgreSQL): it is skipped for this delivery, its failures are counted in the outbox, and after
// SERVER_FAILURES_BEFORE_SET_ASIDE of them it is set aside in rejected/ with the reason, so it
// cannot block the queue. Two failures in a row mean the server is failing: delivery stops and
// nothing is counted.
import type { Logger } from 'pino';
import { sendReport, type ServerEndpoint } from './client.js';
import type { Outbox, OutboxEntry } from './outbox.js';

/** A backlog after days offline drains over several cycles instead of in one burst. */
export const MAX_REPORTS_PER_DELIVERY = 500;

/** Server failures on one report, each while the server stored another, before it is set aside. */
export const SERVER_FAILURES_BEFORE_SET_ASIDE = 3;

export interface DeliveryResult {
  sent: number;
  duplicates: number;
  /** Reports moved to rejected/: refused for good (4xx), or set aside after repeated server failures. */
  rejected: number;
  /** Of `rejected`, those set aside after repeated server failures. */
  setAside: number;
  pending: number;
  /** Why delivery stopped early, if it did (server down, throttled, credential refused). */
  stoppedBecause: string | null;
  retryAfterMs: number | null;
}

export async function deliverOutbox(
  outbox: Outbox,
  server: ServerEndpoint,
  credential: string,
  logger: Logger,
  maxReports = MAX_REPORTS_PER_DELIVERY,
): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, duplicates: 0, rejected: 0, setAside: 0, pending: 0, stoppedBecause: null, retryAfterMs: null };
  const all = outbox.pending();
  const entries = all.slice(0, maxReports);
  /** The report the server just failed on, skipped until the next one tells whether the server works. */
  let suspect: { entry: OutboxEntry; reason: string } | null = null;
  for (const [index, entry] of entries.entries()) {
    const outcome = await sendReport(server, credential, outbox.read(entry));
    if (outcome.kind === 'stored' || outcome.kind === 'duplicate') {
      outbox.acknowledge(entry);
      if (outcome.kind === 'stored') result.sent++;
      else result.duplicates++;
      if (suspect !== null) {
        setAsideIfPoisoned(outbox, suspect.entry, suspect.reason, logger, result);
        suspect = null;
      }
      continue;
    }
    if (outcome.kind === 'rejected') {
      logger.error({ report: entry.name, status: outcome.status, reason: outcome.reason }, 'server refused report; kept in rejected/');
      outbox.reject(entry, outcome.reason);
      result.rejected++;
      continue;
    }
    if (outcome.status === 500 && suspect === null) {
      suspect = { entry, reason: outcome.reason };
      continue;
    }
    result.stoppedBecause = outcome.reason;
    result.retryAfterMs = outcome.retryAfterMs;
    result.pending = all.length - index + (suspect === null ? 0 : 1);
    logger.warn({ reason: outcome.reason, pending: result.pending }, 'delivery paused; reports stay in the outbox');
    return result;
  }
  result.pending = all.length - entries.length;
  if (suspect !== null) {
    // The last report tried failed and nothing after it could show the server works: retry later.
    result.stoppedBecause = suspect.reason;
    result.pending += 1;
    logger.warn({ reason: suspect.reason, pending: result.pending }, 'delivery paused; reports stay in the outbox');
  }
  return result;
}

function setAsideIfPoisoned(outbox: Outbox, entry: OutboxEntry, reason: string, logger: Logger, result: DeliveryResult): void {
  const failures = outbox.recordServerFailure(entry, reason);
  if (failures < SERVER_FAILURES_BEFORE_SET_ASIDE) {
    logger.warn({ report: entry.name, failures, reason }, 'the server failed on this report but stored the next one; it will be retried');
    return;
  }
  const why = `set aside after ${failures} server failures on this report while the server stored others; last answer: ${reason}`;
  logger.error({ report: entry.name, failures, reason }, 'report set aside in rejected/: the server keeps failing on it');
  outbox.reject(entry, why);
  result.rejected++;
  result.setAside++;
}
