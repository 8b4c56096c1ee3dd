// Time in the rules: days, ages at the evaluation's `now`, and the clock skew tolerated before a
// timestamp in the future is treated as a clock problem.
import { HOUR_MS } from './rule.js';

/** How far in the future a timestamp may be before it is treated as a clock problem. */
export const CLOCK_SKEW_TOLERANCE_MS = 5 * 60_000;

/** Milliseconds in one day, for thresholds expressed in days. */
export const DAY_MS = 24 * HOUR_MS;

/** Age of an ISO time at `now`, or null when it is unreadable or too far in the future. */
export function ageAt(iso: string, now: Date): number | null {
  const at = Date.parse(iso);
  const age = now.getTime() - at;
  return Number.isNaN(at) || age < -CLOCK_SKEW_TOLERANCE_MS ? null : Math.max(0, age);
}
