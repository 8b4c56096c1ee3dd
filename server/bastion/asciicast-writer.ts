// One asciicast v2 file per session channel (https://docs.asciinema.org/manual/asciicast/v2/):
// a JSON header line, then one JSON array per event: [seconds since start, code, data] with code
// "o" (output shown to the vendor), "i" (input typed by the vendor), "r" ("COLSxROWS" resize) and
// "m" (marker: approval, warnings, cut).
//
// Strict: events are buffered in memory and written by one in-flight fs.write at a time, at least
// every FLUSH_INTERVAL_MS. The first write that fails (ENOSPC on a full disk, EIO...) calls
// onFailure once, and the session is cut by its owner: a session that cannot be recorded does not
// go on. Nothing is dropped silently: a failed recorder refuses further events.
import { close, fsync, open, write } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

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

export class AsciicastWriter {
  private readonly startedMs: number;
  private chunks: string[] = [];
  private bufferedBytes = 0;
  private inFlightBytes = 0;
  private fd: number | null = null;
  private writing = false;
  private failed: Error | null = null;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly decoders = { o: new StringDecoder('utf8'), i: new StringDecoder('utf8') };
  private drainWaiters: (() => void)[] = [];
  private closeWaiters: ((error: Error | null) => void)[] = [];
  /** Bytes written to the file so far. */
  bytesWritten = 0;

  constructor(
    readonly file: string,
    header: AsciicastHeader,
    private readonly onFailure: (error: Error) => void,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.startedMs = nowMs();
    this.push(`${JSON.stringify({ version: 2, ...header })}\n`);
    open(file, 'wx', 0o600, (error, fd) => {
      if (error !== null) return this.fail(error);
      this.fd = fd;
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
    this.event('o', this.decoders.o.write(data));
  }

  input(data: Buffer): void {
    this.event('i', this.decoders.i.write(data));
  }

  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`);
  }

  marker(label: string): void {
    this.event('m', label);
  }

  private event(code: EventCode, data: string): void {
    if (data === '' || this.closed || this.failed !== null) return;
    const seconds = Math.max(0, this.nowMs() - this.startedMs) / 1000;
    this.push(`${JSON.stringify([Number(seconds.toFixed(6)), code, data])}\n`);
  }

  private push(line: string): void {
    this.chunks.push(line);
    this.bufferedBytes += Buffer.byteLength(line);
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
    const data = Buffer.from(this.chunks.join(''));
    this.chunks = [];
    this.bufferedBytes = 0;
    this.inFlightBytes = data.length;
    this.writing = true;
    const fd = this.fd;
    const writeAll = (offset: number) => {
      write(fd, data, offset, data.length - offset, null, (error, written) => {
        if (error !== null) {
          this.writing = false;
          return this.fail(error);
        }
        this.bytesWritten += written;
        if (offset + written < data.length) return writeAll(offset + written);
        this.writing = false;
        this.inFlightBytes = 0;
        if (!this.backedUp) this.releaseDrainWaiters();
        if (this.closed || this.bufferedBytes >= FLUSH_BYTES) this.flush();
      });
    };
    writeAll(0);
  }

  /** Write what is buffered, fsync and close; resolves with the failure if the recording could not be kept whole. */
  close(finalMarker?: string): Promise<Error | null> {
    if (finalMarker !== undefined) this.marker(finalMarker);
    // Flush the decoders' partial characters as they are (a cut may split one).
    this.event('o', this.decoders.o.end());
    this.event('i', this.decoders.i.end());
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
