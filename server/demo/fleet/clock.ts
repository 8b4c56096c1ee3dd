// Time arithmetic for the demo's evidence: every timestamp is relative to the report's `now`.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const iso = (date: Date): string => date.toISOString();
export const ago = (now: Date, ms: number): string => iso(new Date(now.getTime() - ms));
