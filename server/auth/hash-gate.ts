// A bound on password hashes in flight, shared so that a login flood cannot take the slots genuine
// logins need. Argon2 (19 MiB, 2 passes; @node-rs/argon2 runs it as N-API async work, on libuv's
// thread pool: 4 threads unless UV_THREADPOOL_SIZE says otherwise) runs on the same cores as the
// event loop that answers reports. Unbounded, a flood queues hundreds of hashes there, keeps every
// core busy, and every report and genuine login waits behind them.
//
// Each attempt comes with a priority (./login-lock-cache.ts decides it, in memory):
// - `trusted`: this account logged in from this address recently, and the address has no recent
//   failure: a returning user at their own workstation;
// - `clean`: neither the account nor the address failed recently or has an attempt in flight;
// - `suspect`: anything else (a flood is mostly this: its addresses and accounts keep failing).
// Slots: `floodShare` (half the cores and half the pool, at least one) may run suspect attempts;
// `reserved` more (one by default) run only trusted and clean ones. A flood from few addresses, or
// against few accounts, thus holds at most the flood share, and a genuine login finds the reserved
// slot free: it neither waits behind the flood's hashes nor gets a 503. The reserved slot costs
// nothing while no genuine login comes. When every slot it may use is taken, a suspect attempt is
// refused at once (503, retry shortly), so a flood never waits in a queue whose length the attacker
// chooses; a trusted or clean one waits in a short queue, trusted first, served as soon as any slot
// frees. The queue is bounded: when full, a clean arrival is refused, and a trusted one takes the
// place of the last clean waiter (which is refused), so many fresh addresses (a flood spread over
// many sources, whose first attempts look clean) can delay first-time users but not refuse a
// returning one while fewer than `queueLength` trusted logins wait.
import { availableParallelism } from 'node:os';
import { ApiError } from '../errors.js';

export const HASH_BUSY_RETRY_SECONDS = 1;
/** Trusted and clean attempts that may wait for a slot. */
export const HASH_QUEUE_LENGTH = 16;
/** Slots only trusted and clean attempts may use. */
export const RESERVED_HASH_SLOTS = 1;

export type HashPriority = 'trusted' | 'clean' | 'suspect';

/** The flood share: half the cores and half the pool, at least one. */
export function defaultHashCapacity(env: NodeJS.ProcessEnv = process.env): number {
  const pool = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  const threads = Number.isInteger(pool) && pool > 0 ? pool : 4;
  return Math.max(1, Math.floor(Math.min(threads, availableParallelism()) / 2));
}

export interface HashGateOptions {
  /** Slots suspect attempts may hold (default: defaultHashCapacity()). */
  floodShare?: number;
  /** Further slots for trusted and clean attempts only (default RESERVED_HASH_SLOTS). */
  reserved?: number;
  /** Trusted and clean attempts that may wait (default HASH_QUEUE_LENGTH). */
  queueLength?: number;
}

interface Waiter {
  trusted: boolean;
  resolve: (release: (() => void) | null) => void;
}

export class HashGate {
  readonly floodShare: number;
  readonly reserved: number;
  readonly queueLength: number;
  private total = 0;
  private suspects = 0;
  private readonly waiting: Waiter[] = [];

  constructor(options: HashGateOptions = {}) {
    this.floodShare = options.floodShare ?? defaultHashCapacity();
    this.reserved = options.reserved ?? RESERVED_HASH_SLOTS;
    this.queueLength = options.queueLength ?? HASH_QUEUE_LENGTH;
    if (!(Number.isInteger(this.floodShare) && this.floodShare >= 1)) throw new RangeError(`floodShare must be a positive integer, got ${this.floodShare}`);
    if (!(Number.isInteger(this.reserved) && this.reserved >= 0)) throw new RangeError(`reserved must be a non-negative integer, got ${this.reserved}`);
    if (!(Number.isInteger(this.queueLength) && this.queueLength >= 0)) throw new RangeError(`queueLength must be a non-negative integer, got ${this.queueLength}`);
  }

  /** Hashes that may run at once. */
  get capacity(): number {
    return this.floodShare + this.reserved;
  }

  /** Every slot is taken. */
  get full(): boolean {
    return this.total >= this.capacity;
  }

  /** No slot a suspect attempt may use is free. */
  get floodFull(): boolean {
    return this.suspects >= this.floodShare || this.full;
  }

  /** Hashes running now. */
  get running(): number {
    return this.total;
  }

  /** Trusted and clean attempts waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Take a slot for an attempt of this priority: at once if one it may use is free; else, for a
   * trusted or clean attempt, once the attempts queued before it are served, if it gets a place in
   * the queue. Returns the release function, or null when refused.
   */
  acquire(priority: HashPriority): Promise<(() => void) | null> {
    if (priority === 'suspect') {
      if (this.floodFull) return Promise.resolve(null);
      this.total += 1;
      this.suspects += 1;
      return Promise.resolve(this.releaser(true));
    }
    if (!this.full) {
      this.total += 1;
      return Promise.resolve(this.releaser(false));
    }
    const trusted = priority === 'trusted';
    if (this.waiting.length >= this.queueLength) {
      // Full: a trusted arrival takes the place of the last clean waiter, if there is one.
      const lastClean = trusted ? this.waiting.findLastIndex((w) => !w.trusted) : -1;
      if (lastClean < 0) return Promise.resolve(null);
      const [evicted] = this.waiting.splice(lastClean, 1);
      evicted?.resolve(null);
    }
    return new Promise((resolve) => {
      const waiter = { trusted, resolve };
      // Trusted attempts go after the trusted ones already waiting, before every clean one.
      const firstClean = trusted ? this.waiting.findIndex((w) => !w.trusted) : -1;
      if (firstClean < 0) this.waiting.push(waiter);
      else this.waiting.splice(firstClean, 0, waiter);
    });
  }

  private releaser(suspect: boolean): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (suspect) this.suspects -= 1;
      const next = this.waiting.shift();
      // The slot is handed over (total stays counted), to an attempt that is not suspect.
      if (next !== undefined) next.resolve(this.releaser(false));
      else this.total -= 1;
    };
  }
}

export const hashBusy = (): ApiError =>
  new ApiError(503, 'login_busy', `Too many logins are being checked right now; retry in ${HASH_BUSY_RETRY_SECONDS} s.`);
