// Durable spool: a report is on disk (fsynced) before any attempt to send it, and leaves
// the disk only once the server has acknowledged a durable commit. Oldest first.
// Bounded by total size and by age; when it must evict, it evicts the oldest and counts
// them in a durable counter that every report spooled afterwards carries (`dropped_reports`).
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../policies/evidence.js';

export interface OutboxEntry {
  name: string;
  path: string;
}

export interface OutboxLimits {
  /** Total bytes of pending reports, the new one included. */
  maxBytes: number;
  /** Pending reports older than this are evicted (counted, never silently lost). */
  maxAgeMs: number;
}

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxAgeMs: 30 * 24 * 3600_000,
};

const ENTRY_PATTERN = /^(\d{15})-\d{6}-[0-9a-f-]{36}\.json$/;
const DROPPED_FILE = 'dropped.json';
const FAILURES_FILE = 'failures.json';
const REASON_SUFFIX = '.reason.txt';

/** A report the server failed on (5xx) while it stored others: how often, and the last answer. */
export interface ServerFailure {
  count: number;
  reason: string;
}

/** A report set aside in rejected/ and why. */
export interface RejectedReport {
  name: string;
  reason: string;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a small file atomically and durably (temp + fsync + rename + fsync of the dir). */
function writeDurably(dir: string, name: string, content: string): void {
  const temp = join(dir, `.${name}.tmp`);
  try {
    writeFileSync(temp, content, { mode: 0o600 });
    fsyncPath(temp);
    renameSync(temp, join(dir, name));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncPath(dir);
}

export class Outbox {
  readonly dir: string;
  readonly rejectedDir: string;
  private sequence = 0;

  constructor(
    stateDir: string,
    readonly limits: OutboxLimits = DEFAULT_OUTBOX_LIMITS,
  ) {
    this.dir = join(stateDir, 'outbox');
    this.rejectedDir = join(stateDir, 'rejected');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    mkdirSync(this.rejectedDir, { recursive: true, mode: 0o700 });
  }

  /** Reports evicted unsent since enrollment (monotonic, so a lost report cannot hide a count). */
  droppedTotal(): number {
    try {
      const value: unknown = JSON.parse(readFileSync(join(this.dir, DROPPED_FILE), 'utf8'));
      const total = (value as { total?: unknown }).total;
      return typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : 0;
    } catch {
      return 0;
    }
  }

  /** Counts `n` more dropped reports. Written before the eviction it counts: a crash may overcount, never undercount. */
  recordDropped(n: number): void {
    if (n <= 0) return;
    writeDurably(this.dir, DROPPED_FILE, JSON.stringify({ total: this.droppedTotal() + n }) + '\n');
  }

  /**
   * Writes the report durably after making room under the bounds. Throws (e.g. ENOSPC) without
   * leaving a partial file behind: the outbox stays readable whatever happens.
   */
  enqueue(report: Report, now: Date = new Date()): OutboxEntry {
    // Evict first, then stamp the drop count, so this very report tells the server about
    // evictions it caused (the few bytes of the stamp are within the bound's slack).
    this.evict(Buffer.byteLength(JSON.stringify(report)) + 32, now);
    const dropped = this.droppedTotal();
    const body = JSON.stringify(dropped > 0 ? { ...report, dropped_reports: dropped } : report);
    const stamp = String(now.getTime()).padStart(15, '0');
    const seq = String(this.sequence++ % 1_000_000).padStart(6, '0');
    const name = `${stamp}-${seq}-${report.report_id}.json`;
    writeDurably(this.dir, name, body);
    return { name, path: join(this.dir, name) };
  }

  /** Evicts the oldest reports that are too old, then as many as needed to fit `incomingBytes`. */
  private evict(incomingBytes: number, now: Date): void {
    const entries = this.pending().map((entry) => ({ entry, size: statSync(entry.path).size, at: entryTime(entry) }));
    let total = entries.reduce((sum, e) => sum + e.size, 0) + incomingBytes;
    const victims: typeof entries = [];
    for (const e of entries) {
      const tooOld = now.getTime() - e.at > this.limits.maxAgeMs;
      if (!tooOld && total <= this.limits.maxBytes) break;
      victims.push(e);
      total -= e.size;
    }
    if (victims.length === 0) return;
    this.recordDropped(victims.length);
    for (const victim of victims) unlinkSync(victim.entry.path);
    fsyncPath(this.dir);
  }

  /** Pending reports, oldest first. Half-written temp files are ignored. */
  pending(): OutboxEntry[] {
    return readdirSync(this.dir)
      .filter((name) => ENTRY_PATTERN.test(name))
      .sort()
      .map((name) => ({ name, path: join(this.dir, name) }));
  }

  read(entry: OutboxEntry): string {
    return readFileSync(entry.path, 'utf8');
  }

  /** Called only after the server acknowledged a durable commit (or a duplicate). */
  acknowledge(entry: OutboxEntry): void {
    unlinkSync(entry.path);
    fsyncPath(this.dir);
    this.forgetFailures(entry);
  }

  /** The server refused the report for good (4xx): keep it aside for inspection, stop retrying it. */
  reject(entry: OutboxEntry, reason: string): void {
    renameSync(entry.path, join(this.rejectedDir, entry.name));
    writeFileSync(join(this.rejectedDir, `${entry.name}${REASON_SUFFIX}`), reason + '\n', { mode: 0o600 });
    fsyncPath(this.dir);
    this.forgetFailures(entry);
  }

  /** Reports set aside in rejected/, oldest first, with their reasons. */
  rejected(): RejectedReport[] {
    return readdirSync(this.rejectedDir)
      .filter((name) => ENTRY_PATTERN.test(name))
      .sort()
      .map((name) => {
        let reason = '';
        try {
          reason = readFileSync(join(this.rejectedDir, `${name}${REASON_SUFFIX}`), 'utf8').trim();
        } catch {
          reason = '(reason file missing)';
        }
        return { name, reason };
      });
  }

  /** Server failures recorded per pending report (see deliverOutbox). */
  serverFailures(): Record<string, ServerFailure> {
    try {
      const value: unknown = JSON.parse(readFileSync(join(this.dir, FAILURES_FILE), 'utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
      const failures: Record<string, ServerFailure> = {};
      for (const [name, failure] of Object.entries(value as Record<string, unknown>)) {
        const { count, reason } = (failure ?? {}) as Partial<ServerFailure>;
        if (ENTRY_PATTERN.test(name) && typeof count === 'number' && Number.isSafeInteger(count) && typeof reason === 'string') {
          failures[name] = { count, reason };
        }
      }
      return failures;
    } catch {
      return {};
    }
  }

  /** One more server failure on `entry`; returns how many it has had. */
  recordServerFailure(entry: OutboxEntry, reason: string): number {
    const failures = this.serverFailures();
    const count = (failures[entry.name]?.count ?? 0) + 1;
    failures[entry.name] = { count, reason };
    this.writeFailures(failures);
    return count;
  }

  private forgetFailures(entry: OutboxEntry): void {
    const failures = this.serverFailures();
    if (!(entry.name in failures)) return;
    delete failures[entry.name];
    this.writeFailures(failures);
  }

  private writeFailures(failures: Record<string, ServerFailure>): void {
    if (Object.keys(failures).length === 0) rmSync(join(this.dir, FAILURES_FILE), { force: true });
    else writeDurably(this.dir, FAILURES_FILE, JSON.stringify(failures) + '\n');
  }
}

function entryTime(entry: OutboxEntry): number {
  return Number(ENTRY_PATTERN.exec(entry.name)?.[1] ?? 0);
}
