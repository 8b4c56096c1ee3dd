// Pure parser of `last -w --time-format iso` (util-linux): interactive logons from wtmp and the
// date wtmp begins (logons before it are not known).

export interface WtmpLogon {
  user: string;
  tty: string;
  at: string;
}

export interface WtmpHistory {
  logons: WtmpLogon[];
  since: string | null;
}

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:,\d+)?[+-]\d{2}:\d{2}/;

export function parseLast(text: string): WtmpHistory {
  const logons: WtmpLogon[] = [];
  let since: string | null = null;
  for (const line of text.split('\n').slice(0, 200_000)) {
    const begins = /^wtmp begins\s+(\S+)/.exec(line.trim());
    if (begins?.[1]) {
      const d = new Date(begins[1]);
      if (!Number.isNaN(d.getTime())) since = d.toISOString();
      continue;
    }
    const fields = line.trim().split(/\s+/);
    const user = fields[0];
    const tty = fields[1];
    if (!user || !tty || user === 'reboot' || user === 'shutdown' || tty === 'system') continue;
    const time = ISO.exec(line)?.[0];
    if (!time) continue;
    const d = new Date(time.replace(',', '.'));
    if (Number.isNaN(d.getTime())) continue;
    logons.push({ user, tty, at: d.toISOString() });
  }
  return { logons, since };
}

/** Most recent logon per user. */
export function lastLogonByUser(history: WtmpHistory): Map<string, string> {
  const last = new Map<string, string>();
  for (const l of history.logons) {
    const previous = last.get(l.user);
    if (!previous || previous < l.at) last.set(l.user, l.at);
  }
  return last;
}
