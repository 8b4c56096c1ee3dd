// One asciicast v2 file per session channel (https://docs.asciinema.org/manual/asciicast/v2/):
// a JSON header line, then one JSON array per event: [seconds since start, code, data] with code
// "o" (output shown to the vendor), "i" (input typed by the vendor), "r" ("COLSxROWS" resize) and
// "m" (marker: approval, warnings, cut).
//
// Streamed data is not copied on its way to the file when it need not be (json-string-encoder.ts):
// the Buffers given to output() and input() may be written from where they are, so callers must not
// change them afterwards (ssh2 hands each packet's data in a Buffer of its own).
//
// Strict: events are buffered in memory and written by one in-flight fs.writev at a time, at least
// every FLUSH_INTERVAL_MS (no fsync per write: the file is synced once, at close). The first write
// that fails (ENOSPC on a full disk, EIO...) calls onFailure once, and the session is cut by its
// owner: a session that cannot be recorded does not go on. Nothing is dropped silently: a failed
// recorder refuses further events.
//
// The file's SHA-256 is computed as it is written (over exactly the bytes each write reports written),
// so sealing a session (manifest.ts) never reads a long recording back nor stalls the event loop
// hashing it: the signed hash is the hash of what the bastion wrote.
import { createHash } from 'node:crypto';
import { close, fsync, open, writev } from 'node:fs';
import { basename } from 'node:path';
import { JsonStringEncoder } from './json-string-encoder.js';

export const FLUSH_INTERVAL_MS = 200;
/** Flush at once above this many buffered bytes (bounds memory under a fast stream). */
const FLUSH_BYTES = 256 * 1024;
/** Above this many bytes waiting for the disk, the writer reports itself as backed up (callers pause their source). */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024;

export interface AsciicastHeader {
  width: number;
  height: number;
  /** Unix seconds at the start. */
  timestamp: number;
  title: string;
  env?: Record<string, string>;
}

export type EventCode = 'o' | 'i' | 'r' | 'm';

const LINE_END = Buffer.from(']\n', 'latin1');
/** fs.writev takes at most IOV_MAX (1024 on Linux) buffers in one system call; libuv loops above that, keep batches under it. */
const MAX_PARTS_PER_WRITE = 1000;

export class AsciicastWriter {
  private readonly startedMs: number;
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private inFlightBytes = 0;
  private fd: number | null = null;
  private writing = false;
  private failed: Error | null = null;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  // Stream bytes straight to JSON literals (json-string-encoder.ts: ASCII chunks skip UTF-8 coding).
  private readonly encoders = { o: new JsonStringEncoder(), i: new JsonStringEncoder() };
  private drainWaiters: (() => void)[] = [];
  private closeWaiters: ((error: Error | null) => void)[] = [];
  /** Bytes written to the file so far. */
  bytesWritten = 0;
  private readonly hash = createHash('sha256');
  private digest: string | null = null;
  private closing: Promise<Error | null> | null = null;
  private opened = false;

  constructor(
    readonly file: string,
    header: AsciicastHeader,
    private readonly onFailure: (error: Error) => void,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.startedMs = nowMs();
    this.push([Buffer.from(`${JSON.stringify({ version: 2, ...header })}\n`)]);
    open(file, 'wx', 0o600, (error, fd) => {
      if (error !== null) return this.fail(error);
      this.fd = fd;
      this.opened = true;
      this.flush();
    });
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  get backedUp(): boolean {
    return this.bufferedBytes + this.inFlightBytes > HIGH_WATER_BYTES;
  }

  get failure(): Error | null {
    return this.failed;
  }

  /** Resolves once the backlog is below the high-water mark (at once if it is). */
  whenDrained(): Promise<void> {
    if (!this.backedUp || this.failed !== null || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  output(data: Buffer): void {
    if (this.accepting) this.streamEvent('o', this.encoders.o.write(data));
  }

  input(data: Buffer): void {
    if (this.accepting) this.streamEvent('i', this.encoders.i.write(data));
  }

  resize(cols: number, rows: number): void {
    this.textEvent('r', `${cols}x${rows}`);
  }

  marker(label: string): void {
    this.textEvent('m', label);
  }

  private get accepting(): boolean {
    return !this.closed && this.failed === null;
  }

  private textEvent(code: EventCode, data: string): void {
    if (data === '' || !this.accepting) return;
    this.push([Buffer.from(`${JSON.stringify([this.seconds(), code, data])}\n`)]);
  }

  /** One event whose data is already a JSON string literal (in parts, written in order). */
  private streamEvent(code: 'o' | 'i', literal: Buffer[] | null): void {
    if (literal === null) return;
    this.push([Buffer.from(`[${JSON.stringify(this.seconds())},"${code}",`, 'latin1'), ...literal, LINE_END]);
  }

  private seconds(): number {
    return Number((Math.max(0, this.nowMs() - this.startedMs) / 1000).toFixed(6));
  }

  private push(parts: Buffer[]): void {
    for (const part of parts) {
      this.chunks.push(part);
      this.bufferedBytes += part.length;
    }
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
  }

  private fail(error: Error): void {
    if (this.failed !== null) return;
    this.failed = error;
    this.chunks = [];
    this.bufferedBytes = 0;
    clearInterval(this.timer);
    this.releaseDrainWaiters();
    this.onFailure(error);
    this.finishClose();
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private flush(): void {
    if (this.writing || this.fd === null || this.failed !== null) return;
    if (this.chunks.length === 0) {
      if (this.closed) this.finishClose();
      return;
    }
    // Up to IOV_MAX parts are written from where they are; more (many small typed events) are joined first.
    const parts = this.chunks.length <= MAX_PARTS_PER_WRITE ? this.chunks : [Buffer.concat(this.chunks)];
    const total = this.bufferedBytes;
    this.chunks = [];
    this.bufferedBytes = 0;
    this.inFlightBytes = total;
    this.writing = true;
    const fd = this.fd;
    const writeAll = (buffers: Buffer[]) => {
      writev(fd, buffers, (error, written) => {
        if (error !== null) {
          this.writing = false;
          return this.fail(error);
        }
        this.bytesWritten += written;
        const rest = remainder(buffers, written);
        hashWritten(this.hash, buffers, written);
        if (rest.length > 0) return writeAll(rest);
        this.writing = false;
        this.inFlightBytes = 0;
        if (!this.backedUp) this.releaseDrainWaiters();
        if (this.closed || this.bufferedBytes >= FLUSH_BYTES) this.flush();
      });
    };
    writeAll(parts);
  }

  /**
   * Write what is buffered, fsync and close; resolves with the failure if the recording could not be
   * kept whole. Idempotent: a later call (a final marker included) gets the first call's promise.
   */
  close(finalMarker?: string): Promise<Error | null> {
    this.closing ??= this.closeOnce(finalMarker);
    return this.closing;
  }

  /**
   * The file as written: its name, the SHA-256 and count of the bytes written to it (all of them once
   * close() has resolved; up to the failure if a write failed). Null if the file was never opened.
   */
  async written(): Promise<{ name: string; sha256: string; size: number } | null> {
    await this.close();
    if (!this.opened) return null;
    this.digest ??= this.hash.digest('hex');
    return { name: basename(this.file), sha256: this.digest, size: this.bytesWritten };
  }

  private closeOnce(finalMarker: string | undefined): Promise<Error | null> {
    if (finalMarker !== undefined) this.marker(finalMarker);
    // Flush the decoders' partial characters as they are (a cut may split one).
    if (this.accepting) {
      this.streamEvent('o', this.encoders.o.end());
      this.streamEvent('i', this.encoders.i.end());
    }
    this.closed = true;
    clearInterval(this.timer);
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      if (this.failed !== null) return this.finishClose();
      this.flush();
    });
  }

  private finishClose(): void {
    if (!this.closed || this.writing || (this.chunks.length > 0 && this.failed === null)) return;
    if (this.fd === null) {
      if (this.failed === null) return; // still opening; flush() comes back here
      return this.settle();
    }
    const fd = this.fd;
    this.fd = null;
    fsync(fd, (syncError) => {
      close(fd, () => {
        if (syncError !== null && this.failed === null) this.failed = syncError;
        this.settle();
      });
    });
  }

  private settle(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve(this.failed);
  }
}

/** Feed the first `written` bytes of `buffers` (what one write put in the file) to the hash. */
function hashWritten(hash: ReturnType<typeof createHash>, buffers: Buffer[], written: number): void {
  let left = written;
  for (const buffer of buffers) {
    if (left === 0) return;
    if (buffer.length <= left) {
      hash.update(buffer);
      left -= buffer.length;
    } else {
      hash.update(buffer.subarray(0, left));
      return;
    }
  }
}

/** What a short write left of `buffers` after its first `written` bytes. */
function remainder(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  let index = 0;
  while (index < buffers.length && skip >= buffers[index]!.length) {
    skip -= buffers[index]!.length;
    index++;
  }
  if (index === buffers.length) return [];
  return [buffers[index]!.subarray(skip), ...buffers.slice(index + 1)];
}
