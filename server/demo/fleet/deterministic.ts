// Reproducible dice and report ids: the same seed (and `now`) gives the same fleet.
import { createHash } from 'node:crypto';

/** Small deterministic PRNG (mulberry32): no dependency needed for a demo's dice. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A report id that is a well-formed UUID, stable for (seed, host, time): reproducible runs. */
export function reportId(seed: number, hostname: string, collectedAt: string): string {
  const hex = createHash('sha256').update(`${seed}|${hostname}|${collectedAt}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
