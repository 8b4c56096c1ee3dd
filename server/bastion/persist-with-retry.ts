// A session's end must reach its row and the audit log even when it was the database that ended it
// (fail closed after FAIL_CLOSED_MS unread): the first attempt is made at once; if it fails, later
// attempts follow in the background (1 s, doubling to 1 min, for up to a day) so that the end
// reason `database_unreachable` is recorded when the database comes back. The caller does not wait
// for the retries: the vendor's connection is already cut and the recording sealed on disk.
export interface RetryLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_INTERVAL_MS = 60_000;
export const GIVE_UP_AFTER_MS = 24 * 3600_000;

/**
 * Run `write` once now; resolves true if it succeeded. On failure, keeps retrying in the background
 * (timers that do not hold the process open) and resolves false at once.
 */
export async function persistWithRetry(what: string, write: () => Promise<void>, log: RetryLog, context: object): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    log.error({ ...context, err: error }, `${what} not recorded yet (database unreadable); retrying in the background`);
  }
  const startedMs = Date.now();
  let intervalMs = FIRST_RETRY_MS;
  const attempt = () => {
    void write().then(
      () => log.warn({ ...context, late_by_ms: Date.now() - startedMs }, `${what} recorded after the database came back`),
      (error: unknown) => {
        if (Date.now() - startedMs >= GIVE_UP_AFTER_MS) {
          log.error({ ...context, err: error }, `${what} could not be recorded for a day; given up (the signed recording on disk still says how it ended)`);
          return;
        }
        intervalMs = Math.min(intervalMs * 2, MAX_RETRY_INTERVAL_MS);
        setTimeout(attempt, intervalMs).unref();
      },
    );
  };
  setTimeout(attempt, intervalMs).unref();
  return false;
}
