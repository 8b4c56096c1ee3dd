// A bound on password hashes in flight. Argon2 (19 MiB, 2 passes) runs on libuv's thread pool (4
// threads unless UV_THREADPOOL_SIZE says otherwise), which the server shares with file system calls
// and DNS, and on the same CPU cores as the event loop that answers reports. Unbounded, a login
// flood queues hundreds of hashes there, keeps every core busy, and every report and genuine login
// waits behind them. So at most `capacity` hashes run at once (by default half the cores and half
// the pool, at least one). When they are all taken, an attempt from a subject with no recent
// failure (most likely genuine) may wait in a short queue; any other is refused at once (503,
// retry shortly), so a flood never waits in a queue whose length the attacker chooses.
import { availableParallelism } from 'node:os';
import { ApiError } from '../errors.js';

export const HASH_BUSY_RETRY_SECONDS = 1;
/** Attempts of subjects without recent failures that may wait for a slot. */
export const HASH_QUEUE_LENGTH = 4;

export function defaultHashCapacity(env: NodeJS.ProcessEnv = process.env): number {
  const pool = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  const threads = Number.isInteger(pool) && pool > 0 ? pool : 4;
  return Math.max(1, Math.floor(Math.min(threads, availableParallelism()) / 2));
}

export class HashGate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly capacity: number = defaultHashCapacity(),
    readonly queueLength: number = HASH_QUEUE_LENGTH,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Every slot is taken. */
  get full(): boolean {
    return this.inFlight >= this.capacity;
  }

  /** Hashes running now. */
  get running(): number {
    return this.inFlight;
  }

  /**
   * Take a slot: at once if one is free; else, for a `clean` attempt (no recent failure), after the
   * attempts queued before it, if the queue has room. Returns the release function, or null when
   * refused.
   */
  async acquire(clean: boolean): Promise<(() => void) | null> {
    if (this.inFlight < this.capacity) {
      this.inFlight += 1;
      return this.releaser();
    }
    if (!clean || this.waiting.length >= this.queueLength) return null;
    // The slot is handed over by the releaser (inFlight stays counted).
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.inFlight -= 1;
    };
  }
}

export const hashBusy = (): ApiError =>
  new ApiError(503, 'login_busy', `Too many logins are being checked right now; retry in ${HASH_BUSY_RETRY_SECONDS} s.`);
