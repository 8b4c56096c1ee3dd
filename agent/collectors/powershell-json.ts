// Reading what PowerShell's ConvertTo-Json prints, in both dialects the agent meets: Windows
// PowerShell 5.1 (enums as numbers, dates as "\/Date(ms)\/", a one-item array unwrapped) and
// PowerShell 7 (ISO dates). Malformed or truncated output is an error the caller turns into
// `unavailable`, never an empty answer.

/** The parsed JSON, or an error naming the command. */
export function parsePowerShellJson(text: string, what: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new Error(`${what}: empty output`);
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new Error(`${what}: output is not JSON (truncated or an error message)`);
  }
}

/** ConvertTo-Json unwraps a one-item array and prints nothing for none: always a list. */
export function asList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what}: expected an object`);
  return value as Record<string, unknown>;
}

/** "\/Date(1764920000000)\/" (5.1), an ISO string with its offset (7), or null; anything else is an error. */
export function powerShellDate(value: unknown, what: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const legacy = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
    if (legacy) return new Date(Number(legacy[1])).toISOString();
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return new Date(value).toISOString();
  }
  throw new Error(`${what}: unreadable date ${JSON.stringify(value).slice(0, 60)}`);
}

/** A boolean as 5.1 or 7 prints it: true/false, or the GpoBoolean enum (0 False, 1 True, 2 NotConfigured -> null). */
export function gpoBoolean(value: unknown, what: string): boolean | null {
  if (value === true || value === 1 || value === 'True') return true;
  if (value === false || value === 0 || value === 'False') return false;
  if (value === 2 || value === 'NotConfigured') return null;
  throw new Error(`${what}: unexpected value ${JSON.stringify(value)}`);
}
