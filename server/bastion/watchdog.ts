// The watchdog of the bastion's live sessions. Every tick (250 ms) it reads, in one query each for
// all sessions of this replica, the grants' state (a revoke on any replica shows here) and the cut
// requests made through the API or CLI; then for each session: warnings at T-15, T-5 and T-1 min,
// the cut at not_after, the cut on revoke or request, the idle timeout. The window's end and the
// idle timeout need no database. When the database cannot be read for FAIL_CLOSED_MS in a row,
// every session is cut (fail closed): a bastion that cannot see a revoke must not keep a door open.
// Window times are read on the (wall) clock; the idle timeout and the fail-closed delay are
// durations, measured on the monotonic clock so that a clock step neither triggers nor delays them.
import { performance } from 'node:perf_hooks';
import { cutRequests } from '../db/bastion-sessions.js';
import type { Database } from '../db/schema.js';
import type { BastionAuthority } from './authority.js';
import { WARNING_MINUTES, type LiveSession } from './live-session.js';

export interface WatchdogSettings {
  tickMs: number;
  idleTimeoutMs: number;
  failClosedMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogSettings = { tickMs: 250, idleTimeoutMs: 30 * 60_000, failClosedMs: 30_000 };

export class Watchdog {
  private readonly sessions = new Set<LiveSession>();
  private readonly timer: NodeJS.Timeout;
  private polling = false;
  /** When the database was last read successfully (monotonic ms). */
  private lastReadMs: number;
  private failingSince: number | null = null;

  constructor(
    private readonly db: Database,
    private readonly authority: BastionAuthority,
    private readonly now: () => Date,
    private readonly settings: WatchdogSettings,
    private readonly log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void },
  ) {
    this.lastReadMs = performance.now();
    this.timer = setInterval(() => this.tick(), settings.tickMs);
    this.timer.unref();
  }

  add(session: LiveSession): void {
    if (this.sessions.size === 0) this.lastReadMs = performance.now();
    this.sessions.add(session);
  }

  remove(session: LiveSession): void {
    this.sessions.delete(session);
  }

  get size(): number {
    return this.sessions.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One tick (also called by tests). */
  tick(): void {
    const nowMs = this.now().getTime();
    const monotonicMs = performance.now();
    for (const session of this.sessions) this.checkLocal(session, nowMs, monotonicMs);
    if (this.sessions.size === 0) this.lastReadMs = monotonicMs; // nothing to protect meanwhile
    // Failing reads and a read that hangs both count: what matters is the age of the last good read.
    const unreadMs = monotonicMs - this.lastReadMs;
    if (unreadMs >= this.settings.failClosedMs) {
      for (const session of this.sessions) void session.end('database_unreachable', { unreadable_for_ms: Math.round(unreadMs) });
    }
    if (!this.polling && this.sessions.size > 0) void this.poll();
  }

  private checkLocal(session: LiveSession, nowMs: number, monotonicMs: number): void {
    if (session.ended) return;
    const leftMs = session.notAfter.getTime() - nowMs;
    if (leftMs <= 0) {
      void session.end('window_end', { not_after: session.notAfter.toISOString() });
      return;
    }
    // The nearest threshold passed and not yet said (a session opened at T-3 min hears T-5 at once, then T-1).
    const due = WARNING_MINUTES.filter((minutes) => leftMs <= minutes * 60_000 && !session.warned.has(minutes));
    if (due.length > 0) {
      const smallest = Math.min(...due);
      for (const minutes of due) session.warned.add(minutes);
      session.warn(smallest);
    }
    const idleMs = monotonicMs - session.lastActivityMs;
    if (idleMs >= this.settings.idleTimeoutMs) void session.end('idle', { idle_ms: Math.round(idleMs) });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    const live = [...this.sessions].filter((session) => !session.ended);
    try {
      const now = this.now();
      const [statuses, cuts] = await Promise.all([
        this.authority.grantStatuses([...new Set(live.map((session) => session.grant.grantId))], now),
        cutRequests(this.db, live.map((session) => session.id)),
      ]);
      this.lastReadMs = performance.now();
      if (this.failingSince !== null) this.log.warn({ failing_since: new Date(this.failingSince).toISOString() }, 'bastion watchdog reads the database again');
      this.failingSince = null;
      for (const session of live) {
        const status = statuses.get(session.grant.grantId);
        if (status === undefined || !status.valid) {
          void session.end(status?.reason ?? 'revoked', { grant_state: status?.reason ?? 'missing' });
          continue;
        }
        const notAfter = new Date(status.notAfter);
        if (notAfter.getTime() < session.notAfter.getTime()) session.notAfter = notAfter;
        const by = cuts.get(session.id);
        if (by !== undefined) void session.end('cut', { cut_by: by });
      }
    } catch (error) {
      if (this.failingSince === null) {
        this.failingSince = this.now().getTime();
        this.log.error({ err: error }, 'bastion watchdog cannot read the database; sessions are cut if this lasts');
      }
    } finally {
      this.polling = false;
    }
  }
}
