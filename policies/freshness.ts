// How current a report's evidence is at a given time: the one judgement shared by the policy
// evaluation, the nightly audit and the API, so a host dated in the future is never "assessed".
import { CLOCK_SKEW_TOLERANCE_MS } from './rules/time.js';

const HOUR_MS = 3_600_000;

/**
 * fresh: collected within the pack's maximum age; stale: older than that; future: collected more
 * than the clock tolerance after `now` (the host's clock is wrong, or the report is forged);
 * unreadable: the time does not parse.
 */
export type EvidenceFreshness = 'fresh' | 'stale' | 'future' | 'unreadable';

export function evidenceFreshness(collectedAt: string, maxAgeHours: number, now: Date): EvidenceFreshness {
  const collected = Date.parse(collectedAt);
  if (Number.isNaN(collected)) return 'unreadable';
  const age = now.getTime() - collected;
  if (age < -CLOCK_SKEW_TOLERANCE_MS) return 'future';
  return age > maxAgeHours * HOUR_MS ? 'stale' : 'fresh';
}

/** Whether `collectedAt` lies beyond the clock tolerance after `now`. */
export function collectedInFuture(collectedAt: string, now: Date): boolean {
  const collected = Date.parse(collectedAt);
  return !Number.isNaN(collected) && collected - now.getTime() > CLOCK_SKEW_TOLERANCE_MS;
}
