// Calendar days of the dashboard's filters (YYYY-MM-DD typed by a user in Paris) as instants:
// "from 2026-03-29" means from midnight in Europe/Paris that day, whatever the server's zone and
// whether summer time starts or ends that day.
import { DASHBOARD_TIME_ZONE } from '../i18n/format.js';

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: DASHBOARD_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Paris wall-clock fields (year, month, day, hour, minute, second) of an instant. */
export function parisParts(at: number): Record<string, string> {
  return Object.fromEntries(partsFormat.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
}

/** Paris wall-clock offset from UTC at an instant, in ms (3600000 in winter, 7200000 in summer). */
export function parisOffset(at: number): number {
  const p = parisParts(at);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(at / 1000) * 1000;
}

/** Midnight of a Paris calendar day as an instant; null for a malformed or impossible day. */
export function parisMidnight(day: string): Date | null {
  if (!DAY_PATTERN.test(day)) return null;
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(utcMidnight) || new Date(utcMidnight).toISOString().slice(0, 10) !== day) return null;
  // Two passes: the offset at the guess, then at the corrected instant (right across DST changes).
  const first = utcMidnight - parisOffset(utcMidnight);
  return new Date(utcMidnight - parisOffset(first));
}

/** The instant the Paris day after `day` starts (exclusive end of a "to" filter). */
export function parisNextMidnight(day: string): Date | null {
  const start = parisMidnight(day);
  if (start === null) return null;
  const next = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return parisMidnight(next);
}
