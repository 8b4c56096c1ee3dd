// Pure parsers of /etc/passwd and /etc/shadow: account states, never a password hash. Only
// the facts the rules need leave this file (usable password or not, lock, expiry, dates).

const DAY_MS = 86_400_000;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n').slice(0, 100_000)) {
    const f = line.split(':');
    if (f.length < 7 || !f[0] || !/^\d+$/.test(f[2] ?? '') || !/^\d+$/.test(f[3] ?? '')) continue;
    entries.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return entries;
}

export interface ShadowEntry {
  name: string;
  /** A password one can log in with (not `!`/`*`-prefixed, not empty-locked). Empty = login without password. */
  password: 'usable' | 'locked' | 'none' | 'empty';
  /** Last password change, UTC midnight; null when unset (0 means "must change at next login"). */
  last_change: Date | null;
  max_days: number | null;
  /** Account expiry (shadow field 8), UTC midnight; null = never. */
  expires_at: Date | null;
}

/** Days since 1970-01-01 -> Date, or null for an empty field. */
function dayField(value: string | undefined): Date | null {
  if (value === undefined || value === '' || !/^\d{1,7}$/.test(value)) return null;
  return new Date(Number(value) * DAY_MS);
}

export function parseShadow(text: string): ShadowEntry[] {
  const entries: ShadowEntry[] = [];
  for (const line of text.split('\n').slice(0, 100_000)) {
    const f = line.split(':');
    if (f.length < 8 || !f[0]) continue;
    const hash = f[1] ?? '';
    const password: ShadowEntry['password'] =
      hash === '' ? 'empty' : hash.startsWith('!') ? 'locked' : hash === '*' || hash === 'x' || hash.startsWith('*') ? 'none' : 'usable';
    const maxDays = f[4] && /^\d{1,7}$/.test(f[4]) ? Number(f[4]) : null;
    entries.push({
      name: f[0],
      password,
      last_change: f[2] === '0' ? null : dayField(f[2]),
      // 99999 is the "never" convention of shadow tools.
      max_days: maxDays === null || maxDays >= 99_999 ? null : maxDays,
      expires_at: dayField(f[7]),
    });
  }
  return entries;
}

/** Members of each named group (listed members plus users whose primary group it is). */
export function groupMembers(groupText: string, passwd: readonly PasswdEntry[], groups: readonly string[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const line of groupText.split('\n').slice(0, 100_000)) {
    const [name, , gid, list] = line.split(':');
    if (!name || !groups.includes(name) || !gid) continue;
    const members = new Set((list ?? '').split(',').map((m) => m.trim()).filter((m) => m.length > 0));
    for (const p of passwd) if (String(p.gid) === gid) members.add(p.name);
    result.set(name, [...members].sort());
  }
  return result;
}
