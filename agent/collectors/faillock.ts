// Linux account lockout (AUTH-07) as PAM enforces it: pam_faillock (or the older pam_tally2)
// in the auth stack, its arguments overriding /etc/security/faillock.conf, else the module's
// defaults (deny=3, unlock_time=600 s, fail_interval=900 s). Pure.
import type { LockoutPolicy, PamEntry, PamEvidence, Unavailable } from '../../policies/evidence.js';

const DEFAULTS = { deny: 3, unlock_time: 600, fail_interval: 900 };
const MODULES = ['pam_faillock.so', 'pam_tally2.so'];

/** `key = value` settings of faillock.conf (comments and flags ignored). */
export function parseFaillockConf(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 5000)) {
    const match = /^\s*([a-z_]+)\s*=\s*(\S+)\s*$/.exec(raw.replace(/#.*$/, ''));
    if (match?.[1] && match[2]) settings.set(match[1], match[2]);
  }
  return settings;
}

export function lockoutFromPam(pam: PamEvidence | Unavailable, faillockConf: string | null): LockoutPolicy | Unavailable {
  if ('unavailable' in pam) return { unavailable: `PAM stacks not readable: ${pam.unavailable}`.slice(0, 500) };
  // sshd first (the remote way in), then login.
  for (const name of ['sshd', 'login']) {
    const service = pam.services.find((s) => s.service === name);
    if (!service) continue;
    if ('unavailable' in service) return { unavailable: `PAM stack of ${name} not readable: ${service.unavailable}`.slice(0, 500) };
    const entries = service.entries.filter((e) => e.type === 'auth' && MODULES.includes(e.module));
    if (entries.length === 0) continue;
    const module = entries[0]?.module ?? 'pam_faillock.so';
    const conf = module === 'pam_faillock.so' && faillockConf !== null ? parseFaillockConf(faillockConf) : new Map<string, string>();
    const setting = (key: keyof typeof DEFAULTS): number | Unavailable => {
      const raw = argument(entries, key) ?? conf.get(key) ?? String(DEFAULTS[key]);
      if (!/^\d{1,9}$/.test(raw)) return { unavailable: `${module} ${key}=${raw.slice(0, 20)} is not a number` };
      return Number(raw);
    };
    const deny = setting('deny');
    const unlock = setting('unlock_time');
    const interval = setting('fail_interval');
    for (const value of [deny, unlock, interval]) if (typeof value !== 'number') return value;
    return {
      threshold: Math.min(deny as number, 1_000_000),
      // unlock_time=0: locked until an administrator unlocks; the contract's null says "no automatic unlock".
      duration_minutes: unlock === 0 ? null : Math.min(Math.ceil((unlock as number) / 60), 1_000_000),
      observation_window_minutes: Math.min(Math.ceil((interval as number) / 60), 1_000_000),
      source: `PAM ${name}: ${module}${faillockConf !== null && module === 'pam_faillock.so' ? ' + /etc/security/faillock.conf' : ''}`,
    };
  }
  return {
    threshold: 0,
    duration_minutes: null,
    observation_window_minutes: null,
    source: 'PAM: no pam_faillock/pam_tally2 in the sshd or login auth stack',
  };
}

/** The last value of `key=` among the module's lines (later arguments win, as in the module). */
function argument(entries: readonly PamEntry[], key: string): string | undefined {
  let value: string | undefined;
  for (const entry of entries) {
    for (const arg of entry.arguments) if (arg.startsWith(`${key}=`)) value = arg.slice(key.length + 1);
  }
  return value;
}
