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
  }

  /** The server refused the report for good (4xx): keep it aside for inspection, stop retrying it. */
  reject(entry: OutboxEntry, reason: string): void {
    renameSync(entry.path, join(this.rejectedDir, entry.name));
    writeFileSync(join(this.rejectedDir, `${entry.name}.reason.txt`), reason + '\n', { mode: 0o600 });
    fsyncPath(this.dir);
  }
}

function entryTime(entry: OutboxEntry): number {
  return Number(ENTRY_PATTERN.exec(entry.name)?.[1] ?? 0);
}
