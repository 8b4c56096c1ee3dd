// Durable spool: a report is on disk (fsynced) before any attempt to send it, and leaves
// the disk only once the server has acknowledged a durable commit. Oldest first.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../policies/evidence.js';

export interface OutboxEntry {
  name: string;
  path: string;
}

const ENTRY_PATTERN = /^\d{15}-\d{6}-[0-9a-f-]{36}\.json$/;

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class Outbox {
  readonly dir: string;
  readonly rejectedDir: string;
  private sequence = 0;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'outbox');
    this.rejectedDir = join(stateDir, 'rejected');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    mkdirSync(this.rejectedDir, { recursive: true, mode: 0o700 });
  }

  /** Writes the report durably: temp file, fsync, rename, fsync of the directory. */
  enqueue(report: Report): OutboxEntry {
    const stamp = String(Date.now()).padStart(15, '0');
    const seq = String(this.sequence++ % 1_000_000).padStart(6, '0');
    const name = `${stamp}-${seq}-${report.report_id}.json`;
    const path = join(this.dir, name);
    const temp = join(this.dir, `.${name}.tmp`);
    writeFileSync(temp, JSON.stringify(report), { mode: 0o600 });
    fsyncPath(temp);
    renameSync(temp, path);
    fsyncPath(this.dir);
    return { name, path };
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
