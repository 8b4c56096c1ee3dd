// A bound on password hashes in flight. Argon2 runs on libuv's thread pool (4 threads unless
// UV_THREADPOOL_SIZE says otherwise), which the server shares with zlib (gzip report bodies), file
// system calls and DNS. Unbounded, a login flood queues hundreds of 19 MiB hashes there and every
// report and genuine login waits behind them. So at most `capacity` hashes run at once (by default
// half the pool) and an attempt that finds no free slot is refused at once (503, retry shortly)
// instead of waiting in a queue whose length the attacker chooses.
import { ApiError } from '../errors.js';

export const HASH_BUSY_RETRY_SECONDS = 1;

export function defaultHashCapacity(env: NodeJS.ProcessEnv = process.env): number {
  const pool = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  const threads = Number.isInteger(pool) && pool > 0 ? pool : 4;
  return Math.max(1, Math.floor(threads / 2));
}

export class HashGate {
  private inFlight = 0;

  constructor(readonly capacity: number = defaultHashCapacity()) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Hashes running now. */
  get running(): number {
    return this.inFlight;
  }

  /** Run `work` in a slot, or return null at once when every slot is taken. */
  async tryRun<T>(work: () => Promise<T>): Promise<{ value: T } | null> {
    if (this.inFlight >= this.capacity) return null;
    this.inFlight += 1;
    try {
      return { value: await work() };
    } finally {
      this.inFlight -= 1;
    }
  }
}

export const hashBusy = (): ApiError =>
  new ApiError(503, 'login_busy', `Too many logins are being checked right now; retry in ${HASH_BUSY_RETRY_SECONDS} s.`);
