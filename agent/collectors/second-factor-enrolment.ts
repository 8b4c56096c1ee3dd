// Second-factor enrolment of the local administrators on Linux (AUTH-02): for each admin (sudo,
// wheel, admin, sudoers ALL, UID 0), whether a second-factor module of the PAM stacks holds a
// credential for them:
//   pam_oath            usersfile= (default /etc/users.oath): "HOTP/T30 <user> - <secret>" lines;
//   pam_u2f             authfile= ("<user>:<key handle>,..." lines), else ~/.config/Yubico/u2f_keys;
//   pam_google_authenticator  secret= (~, ${USER}, ${HOME} expanded), else ~/.google_authenticator.
// Only names are read from these files, never a secret. Smart-card modules (pam_pkcs11, pam_p11)
// map certificates, not users: their enrolment cannot be read here (null).
// Privilege: the mapping files and the users' files are root-only (CAP_DAC_READ_SEARCH); what
// cannot be read gives `enrolled: null`, never false.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalAdmins, PamEvidence, SecondFactorEnrolment, Unavailable } from '../../policies/evidence.js';
import { isUnavailable } from '../../policies/evidence.js';
import { parsePasswd } from './parse-shadow.js';
import { bounded } from './redact.js';

const MAX_FILE = 1024 * 1024;

type Module = { kind: 'oath' | 'u2f' | 'google' | 'card'; args: string[] };

function secondFactorModules(pam: PamEvidence): Module[] {
  const modules: Module[] = [];
  for (const service of pam.services) {
    if (!('entries' in service)) continue;
    for (const entry of service.entries) {
      if (entry.type !== 'auth') continue;
      const kind = entry.module === 'pam_oath.so' ? 'oath' : entry.module === 'pam_u2f.so' ? 'u2f' : entry.module === 'pam_google_authenticator.so' ? 'google' : /^pam_(pkcs11|p11)\.so$/.test(entry.module) ? 'card' : null;
      if (kind) modules.push({ kind, args: entry.arguments });
    }
  }
  return modules;
}

const arg = (args: string[], name: string) => args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1) ?? null;

/** The file's lines, 'missing' when it does not exist, 'unreadable' otherwise. */
async function lines(root: string, path: string): Promise<string[] | 'missing' | 'unreadable'> {
  try {
    const text = await readFile(join(root, path), 'utf8');
    return text.slice(0, MAX_FILE).split('\n');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
}

const METHOD = { oath: 'totp (pam_oath)', u2f: 'u2f (pam_u2f)', google: 'totp (pam_google_authenticator)' } as const;

async function enrolledWith(root: string, module: Module, user: string, home: string | null): Promise<boolean | null> {
  if (module.kind === 'card') return null;
  if (module.kind === 'oath') {
    const file = await lines(root, arg(module.args, 'usersfile') ?? '/etc/users.oath');
    if (file === 'missing') return false;
    if (file === 'unreadable') return null;
    return file.some((l) => !l.trimStart().startsWith('#') && l.trim().split(/\s+/)[1] === user);
  }
  if (module.kind === 'u2f') {
    const authfile = arg(module.args, 'authfile');
    if (authfile !== null) {
      const file = await lines(root, authfile);
      if (file === 'missing') return false;
      if (file === 'unreadable') return null;
      return file.some((l) => l.split(':')[0] === user && l.includes(':'));
    }
    if (home === null) return null;
    const own = await lines(root, join(home, '.config/Yubico/u2f_keys'));
    return own === 'unreadable' ? null : own !== 'missing' && own.some((l) => l.trim() !== '');
  }
  const secret = arg(module.args, 'secret');
  if (home === null && (secret === null || /~|\$\{HOME\}/.test(secret))) return null;
  const path = secret === null ? join(home ?? '', '.google_authenticator') : secret.replace(/^~/, home ?? '').replace(/\$\{HOME\}/g, home ?? '').replace(/\$\{USER\}/g, user);
  const file = await lines(root, path);
  return file === 'unreadable' ? null : file !== 'missing';
}

export async function collectEnrolment(pam: PamEvidence | Unavailable | undefined, admins: LocalAdmins | Unavailable, options: { fsRoot?: string } = {}): Promise<SecondFactorEnrolment | Unavailable> {
  if (pam === undefined || isUnavailable(pam)) return { unavailable: `PAM stacks unreadable${pam ? `: ${pam.unavailable}` : ''}: the second factors in use are not known` };
  if (isUnavailable(admins)) return { unavailable: bounded(`local administrators unknown: ${admins.unavailable}`, 500) };
  const root = options.fsRoot ?? '/';
  const passwd = await readFile(join(root, 'etc/passwd'), 'utf8').then(parsePasswd, () => []);
  const modules = secondFactorModules(pam);
  const members: SecondFactorEnrolment['members'] = [];
  for (const admin of admins.members.filter((m) => m.kind === 'user').slice(0, 64)) {
    const home = passwd.find((p) => p.name === admin.name)?.home || null;
    const methods: string[] = [];
    let unknown = false;
    for (const module of modules) {
      const enrolled = await enrolledWith(root, module, admin.name, home);
      if (enrolled === true && module.kind !== 'card') methods.push(METHOD[module.kind]);
      if (enrolled === null) unknown = true;
    }
    const unique = [...new Set(methods)];
    members.push({ user: bounded(admin.name, 64), enrolled: unique.length > 0 ? true : unknown ? null : false, method: unique.length > 0 ? bounded(unique.join(' + '), 64) : null });
  }
  return { group: 'local administrators (sudo, wheel, admin, sudoers ALL)', members };
}
