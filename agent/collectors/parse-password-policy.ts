// Pure reading of the Linux password policy: login.defs (PASS_MAX_DAYS, PASS_MIN_LEN) and
// pam_pwquality / pam_unix arguments (minlen, remember) with pwquality.conf.

export function parseLoginDefs(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 10_000)) {
    const m = /^\s*([A-Z_]+)\s+(\S+)/.exec(raw);
    if (m?.[1] && m[2] && !raw.trim().startsWith('#')) values.set(m[1], m[2]);
  }
  return values;
}

export function parseKeyValueConf(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 10_000)) {
    const m = /^\s*([a-z_]+)\s*=\s*(\S+)\s*$/.exec(raw.replace(/#.*$/, ''));
    if (m?.[1] && m[2]) values.set(m[1], m[2]);
  }
  return values;
}
