// Drains the outbox, oldest first, stopping at the first report the server cannot take now.
import type { Logger } from 'pino';
import { sendReport, type ServerEndpoint } from './client.js';
import type { Outbox } from './outbox.js';

/** A backlog after days offline drains over several cycles instead of in one burst. */
export const MAX_REPORTS_PER_DELIVERY = 500;

export interface DeliveryResult {
  sent: number;
  duplicates: number;
  rejected: number;
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
  const result: DeliveryResult = { sent: 0, duplicates: 0, rejected: 0, pending: 0, stoppedBecause: null, retryAfterMs: null };
  const all = outbox.pending();
  const entries = all.slice(0, maxReports);
  for (const [index, entry] of entries.entries()) {
    const outcome = await sendReport(server, credential, outbox.read(entry));
    if (outcome.kind === 'stored' || outcome.kind === 'duplicate') {
      outbox.acknowledge(entry);
      if (outcome.kind === 'stored') result.sent++;
      else result.duplicates++;
      continue;
    }
    if (outcome.kind === 'rejected') {
      logger.error({ report: entry.name, status: outcome.status, reason: outcome.reason }, 'server refused report; kept in rejected/');
      outbox.reject(entry, outcome.reason);
      result.rejected++;
      continue;
    }
    result.stoppedBecause = outcome.reason;
    result.retryAfterMs = outcome.retryAfterMs;
    result.pending = all.length - index;
    logger.warn({ reason: outcome.reason, pending: result.pending }, 'delivery paused; reports stay in the outbox');
    return result;
  }
  result.pending = all.length - entries.length;
  return result;
}
