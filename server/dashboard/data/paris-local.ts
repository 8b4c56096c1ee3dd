// Wall-clock times typed in a form (<input type="datetime-local">, "2035-03-05T10:30") are Paris
// times, whatever the server's or the browser's zone: converted here to instants and back, right
// across summer-time changes. A time that does not exist in Paris (the skipped hour in March) is
// refused rather than guessed.
import { parisOffset, parisParts } from './paris-day.js';

export const LOCAL_MINUTE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** "YYYY-MM-DDTHH:mm" in Paris for an instant (seconds dropped): the value of a datetime-local field. */
export function parisLocalMinute(at: Date | string): string {
  const p = parisParts(typeof at === 'string' ? Date.parse(at) : at.getTime());
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The instant of a Paris wall-clock minute; null when malformed or when that minute does not exist in Paris. */
export function parisLocalToInstant(value: string): Date | null {
  const m = LOCAL_MINUTE_PATTERN.exec(value);
  if (m === null) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 16) !== value) return null;
  const first = wall - parisOffset(wall);
  const instant = wall - parisOffset(first);
  // The skipped hour (last Sunday of March, 02:00-02:59) has no instant: say so.
  return parisLocalMinute(new Date(instant)) === value ? new Date(instant) : null;
}
