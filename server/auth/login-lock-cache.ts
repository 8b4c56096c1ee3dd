// What this server process already knows about login subjects ('user:<name>', 'ip:<address>'),
// kept in memory so that a flood costs no database work:
// - locks read from the database: further attempts on a locked account or from a locked address
//   are refused without touching it (no transaction, no fsync, no audit entry per attempt). The
//   database stays the authority: a lock is only learnt from it and never lifted early (a login
//   cannot succeed on a locked subject), so a remembered lock is never wrong.
// - recent failures: an attempt whose subjects have none is "clean" and may use the hash slots kept
//   from the flood, or wait for one (./hash-gate.ts); one from a subject that failed recently is
//   "suspect": it may only use the flood's share, and is refused at once when that is taken.
// - recent successes, per account and address: a returning user at their own workstation is
//   "trusted" (served before clean attempts) while the address is clean, even when their account is
//   being guessed at from elsewhere; a flood spread over fresh addresses looks clean, never trusted.
// - attempts in flight: a subject with an attempt still being checked is not clean either. One
//   person logs in once at a time; a client sending many at once from one address is a flood, and
//   its first attempts (before any has failed) must not fill the queue genuine logins wait in.
// Refusals answered from memory are counted here and handed to the database's refusal counter by
// the periodic sweep (server/routes/auth.ts), which journals them once per lock with the others.

/** At most this many subjects are remembered (expired ones are dropped first). */
export const LOCK_CACHE_SIZE = 10_000;
/** A login from an address makes that account trusted there for this long (in this process). */
export const TRUSTED_PAIR_MS = 30 * 24 * 3_600_000;
/** At most this many account and address pairs are trusted (the oldest are forgotten first). */
export const TRUSTED_PAIR_CACHE_SIZE = 10_000;

interface Known {
  lockedUntil: number;
  failedAt: number;
  refused: number;
  firstRefusedAt: number | null;
}

import type { HashPriority } from './hash-gate.js';

export interface PendingRefusals {
  subject: string;
  refused: number;
  first_refused_at: string;
}

export class LoginLockCache {
  private readonly known = new Map<string, Known>();
  /** Attempts being checked now, per subject (bounded by the requests in progress). */
  private readonly inFlight = new Map<string, number>();
  /** 'user:x ip:y' -> time of the last success (insertion order is age order). */
  private readonly trustedPairs = new Map<string, number>();

  constructor(
    /** How long a failure makes its subjects suspect (the throttle's reset time). */
    private readonly failureMemoryMs: number,
    private readonly size: number = LOCK_CACHE_SIZE,
  ) {}

  private entry(subject: string, now: Date): Known | undefined {
    let known = this.known.get(subject);
    if (known === undefined) {
      if (this.known.size >= this.size) this.evict(now);
      if (this.known.size >= this.size) return undefined;
      known = { lockedUntil: 0, failedAt: 0, refused: 0, firstRefusedAt: null };
      this.known.set(subject, known);
    }
    return known;
  }

  /** Remember that `subject` is locked until `until` (ISO time). */
  remember(subject: string, until: string, now: Date): void {
    const untilMs = Date.parse(until);
    if (!(untilMs > now.getTime())) return;
    const known = this.entry(subject, now);
    if (known !== undefined) known.lockedUntil = Math.max(known.lockedUntil, untilMs);
  }

  /** Remember that an attempt of these subjects failed. */
  failed(subjects: readonly string[], now: Date): void {
    for (const subject of subjects) {
      const known = this.entry(subject, now);
      if (known !== undefined) known.failedAt = now.getTime();
    }
  }

  /** No subject failed recently, nor has an attempt being checked now (as far as this process knows). */
  clean(subjects: readonly string[], now: Date): boolean {
    return subjects.every((subject) => {
      if (this.inFlight.has(subject)) return false;
      const known = this.known.get(subject);
      return known === undefined || known.failedAt + this.failureMemoryMs < now.getTime();
    });
  }

  /**
   * How the hash gate should treat an attempt on `account` from `address`: trusted (a recent
   * success of this pair, and the address is clean), clean (both clean), else suspect.
   */
  priority(account: string, address: string, now: Date): HashPriority {
    if (!this.clean([address], now)) return 'suspect';
    const succeeded = this.trustedPairs.get(`${account} ${address}`);
    if (succeeded !== undefined && succeeded + TRUSTED_PAIR_MS >= now.getTime()) return 'trusted';
    return this.clean([account], now) ? 'clean' : 'suspect';
  }

  /** An attempt of these subjects is being checked until the returned function is called. */
  begin(subjects: readonly string[]): () => void {
    for (const subject of subjects) this.inFlight.set(subject, (this.inFlight.get(subject) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      for (const subject of subjects) {
        const left = (this.inFlight.get(subject) ?? 1) - 1;
        if (left <= 0) this.inFlight.delete(subject);
        else this.inFlight.set(subject, left);
      }
    };
  }

  /** A success forgives the account (as the database does) and, given the address, trusts the pair. */
  succeeded(account: string, address?: string, now?: Date): void {
    const known = this.known.get(account);
    if (known !== undefined) known.failedAt = 0;
    if (address === undefined || now === undefined) return;
    const pair = `${account} ${address}`;
    this.trustedPairs.delete(pair);
    if (this.trustedPairs.size >= TRUSTED_PAIR_CACHE_SIZE) {
      const oldest = this.trustedPairs.keys().next();
      if (oldest.done !== true) this.trustedPairs.delete(oldest.value);
    }
    this.trustedPairs.set(pair, now.getTime());
  }

  /** If one of the subjects is known locked at `now`, count the refusal and return the seconds to wait. */
  refuse(subjects: readonly string[], now: Date): number | null {
    let longest: Known | null = null;
    for (const subject of subjects) {
      const known = this.known.get(subject);
      if (known !== undefined && known.lockedUntil > now.getTime() && (longest === null || known.lockedUntil > longest.lockedUntil)) longest = known;
    }
    if (longest === null) return null;
    longest.refused += 1;
    longest.firstRefusedAt ??= now.getTime();
    return Math.max(1, Math.ceil((longest.lockedUntil - now.getTime()) / 1000));
  }

  /** The refusals counted since the last call; forgets subjects with nothing left to remember. */
  takeRefusals(now: Date): PendingRefusals[] {
    const pending: PendingRefusals[] = [];
    for (const [subject, known] of this.known) {
      if (known.refused > 0) {
        pending.push({ subject, refused: known.refused, first_refused_at: new Date(known.firstRefusedAt ?? now.getTime()).toISOString() });
        known.refused = 0;
        known.firstRefusedAt = null;
      }
      if (this.expired(known, now)) this.known.delete(subject);
    }
    return pending;
  }

  private expired(known: Known, now: Date): boolean {
    return known.lockedUntil <= now.getTime() && known.failedAt + this.failureMemoryMs < now.getTime() && known.refused === 0;
  }

  private evict(now: Date): void {
    for (const [subject, known] of this.known) if (this.expired(known, now)) this.known.delete(subject);
  }
}
