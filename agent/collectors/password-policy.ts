// Local password policy on Linux (AUTH-08): login.defs (PASS_MAX_DAYS for new accounts), the
// `passwd` PAM stack (pam_pwquality/pam_cracklib minlen, pam_unix minlen/remember,
// pam_pwhistory remember) with /etc/security/pwquality.conf, and each account's own expiry in
// /etc/shadow. Privilege: /etc/shadow needs CAP_DAC_READ_SEARCH.
import type { PamEvidence, PasswordPolicy, Unavailable } from '../../policies/evidence.js';
import { parseKeyValueConf, parseLoginDefs } from './parse-password-policy.js';
import { parseShadow } from './parse-shadow.js';
import { messageOf, readOptional } from './tool.js';

/** pam_unix's built-in minimum when nothing else sets one (pam_unix(8): minlen default 6). */
const PAM_UNIX_DEFAULT_MINLEN = 6;
/** pam_pwquality's default minlen (pwquality.conf(5)). */
const PWQUALITY_DEFAULT_MINLEN = 8;

export async function collectPasswordPolicy(passwdPam: PamEvidence | Unavailable, privileged: ReadonlySet<string>, options: { fsRoot?: string } = {}): Promise<PasswordPolicy | Unavailable> {
  const root = options.fsRoot ?? '/';
  if ('unavailable' in passwdPam) return { unavailable: `passwd PAM stack unreadable: ${passwdPam.unavailable}`.slice(0, 500) };
  const service = passwdPam.services.find((s) => s.service === 'passwd');
  if (!service || 'unavailable' in service) return { unavailable: `passwd PAM stack unreadable${service && 'unavailable' in service ? `: ${service.unavailable}` : ''}`.slice(0, 500) };
  try {
    const loginDefs = parseLoginDefs((await readOptional(root, 'etc/login.defs')) ?? '');
    const pwq = parseKeyValueConf((await readOptional(root, 'etc/security/pwquality.conf')) ?? '');
    const lines = service.entries.filter((e) => e.type === 'password');
    const arg = (module: string, key: string): number | null => {
      let value: number | null = null;
      for (const e of lines.filter((l) => l.module === module)) {
        for (const a of e.arguments) if (a.startsWith(`${key}=`) && /^\d+$/.test(a.slice(key.length + 1))) value = Number(a.slice(key.length + 1));
      }
      return value;
    };
    const has = (module: string) => lines.some((l) => l.module === module);
    let minLength: number;
    const sources: string[] = ['PAM passwd'];
    if (has('pam_pwquality.so') || has('pam_cracklib.so')) {
      const module = has('pam_pwquality.so') ? 'pam_pwquality.so' : 'pam_cracklib.so';
      const conf = pwq.get('minlen');
      minLength = arg(module, 'minlen') ?? (conf && /^\d+$/.test(conf) ? Number(conf) : PWQUALITY_DEFAULT_MINLEN);
      sources.push(module);
    } else {
      minLength = arg('pam_unix.so', 'minlen') ?? PAM_UNIX_DEFAULT_MINLEN;
      sources.push('pam_unix minlen');
    }
    const history = arg('pam_pwhistory.so', 'remember') ?? arg('pam_unix.so', 'remember') ?? 0;
    const maxDaysRaw = loginDefs.get('PASS_MAX_DAYS');
    const maxDays = maxDaysRaw && /^\d+$/.test(maxDaysRaw) && Number(maxDaysRaw) < 99_999 ? Number(maxDaysRaw) : null;
    const shadowText = await readOptional(root, 'etc/shadow');
    if (shadowText === null) return { unavailable: 'no /etc/shadow' };
    const accounts = parseShadow(shadowText)
      .filter((s) => s.password === 'usable')
      .slice(0, 256)
      .map((s) => ({ name: s.name.slice(0, 64), privileged: s.name === 'root' || privileged.has(s.name), max_age_days: s.max_days }));
    return {
      source: `${sources.join(' + ')}; /etc/login.defs; /etc/shadow`.slice(0, 200),
      min_length: minLength,
      // crypt(3) hashes (yescrypt, SHA-512) take passwords of any length; PAM passes up to 512 bytes.
      max_length: null,
      max_age_days: maxDays,
      history,
      accounts,
    };
  } catch (error) {
    return { unavailable: `password policy unreadable (needs CAP_DAC_READ_SEARCH for /etc/shadow): ${messageOf(error)}` };
  }
}
