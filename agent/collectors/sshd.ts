// sshd's effective configuration, as sshd itself computes it (`sshd -T`). The collector never
// changes the host: if sshd -T refuses (no root, missing /run/sshd, bad config), its own
// message becomes the `unavailable` reason.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthorizedKeys, SshdEvidence, SshdUserSettings, Unavailable } from '../../policies/evidence.js';
import { runCommand, stderrSummary } from '../run-command.js';
import { adminGroupMembers, isValidUserName } from './parse-group.js';
import { parseAuthorizedKeys } from './parse-authorized-keys.js';
import { parseSshdKeySources, parseSshdT } from './parse-sshd.js';
import { bounded } from './redact.js';

export interface SshdCollectOptions {
  /** sshd binary; default /usr/sbin/sshd (Windows: System32\\OpenSSH\\sshd.exe), then `sshd` on PATH. */
  binary?: string;
  /** Passed as `-f FILE` (tests write their own configs). */
  configPath?: string;
  /** Users whose `Match`-adjusted settings are reported; default: members of sudo/wheel/admin. */
  adminUsers?: readonly string[];
  /** Root under which /etc/group and /etc/passwd are read for the default admin users. */
  fsRoot?: string;
}

const TIMEOUT_MS = 5000;
const MAX_OUTPUT_BYTES = 512 * 1024;
function defaultBinaries(): string[] {
  if (process.platform === 'win32') return [`${process.env.SystemRoot ?? 'C:\\Windows'}\\System32\\OpenSSH\\sshd.exe`, 'sshd'];
  return ['/usr/sbin/sshd', 'sshd'];
}

export async function collectSshd(options: SshdCollectOptions = {}): Promise<SshdEvidence | Unavailable> {
  const result = await runSshdT(options, []);
  if ('installed' in result) return result;
  if ('unavailable' in result) return result;
  let settings;
  try {
    settings = parseSshdT(result.stdout);
  } catch (error) {
    return { unavailable: bounded(`sshd -T output not understood: ${(error as Error).message}`, 500) };
  }
  const users = options.adminUsers ?? (await defaultAdminUsers(options.fsRoot ?? '/'));
  // Unknown admin users: leave per_user out rather than report an empty, reassuring list.
  if (users === null) return { installed: true, settings };
  const per_user: SshdUserSettings[] = [];
  const authorized_keys: AuthorizedKeys[] = [];
  const homes = await homeDirectories(options.fsRoot ?? '/');
  // Sequential and bounded (<= 32 users): each run is a short sshd process.
  for (const user of users.slice(0, 32)) {
    const { settings: userSettings, keySources } = await settingsForUser(options, user);
    per_user.push(userSettings);
    authorized_keys.push(await authorizedKeysOf(user, keySources, homes, options.fsRoot ?? '/'));
  }
  return { installed: true, settings, per_user, authorized_keys };
}

/** The kinds of keys a user's authorized_keys files hold, as sshd would find them for that user. */
async function authorizedKeysOf(
  user: string,
  keySources: ReturnType<typeof parseSshdKeySources> | null,
  homes: Map<string, string> | null,
  fsRoot: string,
): Promise<AuthorizedKeys> {
  const name = bounded(user, 64);
  if (!keySources) return { user: name, unavailable: 'effective sshd settings for this user are unknown' };
  if (keySources.command) return { user: name, unavailable: 'keys come from AuthorizedKeysCommand, not from files' };
  const home = homes?.get(user);
  if (!home) return { user: name, unavailable: homes ? 'user not found in /etc/passwd' : '/etc/passwd not readable' };
  const keys = [];
  for (const pattern of keySources.files) {
    const expanded = pattern.replace(/%(%|h|u)/g, (_m, c: string) => (c === 'h' ? home : c === 'u' ? user : '%'));
    const path = join(fsRoot, expanded.startsWith('/') ? expanded : join(home, expanded));
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // no such file: no keys from it
      return { user: name, unavailable: bounded(`cannot read ${expanded}: ${(error as Error).message}`, 500) };
    }
    try {
      keys.push(...parseAuthorizedKeys(text.slice(0, 1024 * 1024)));
    } catch (error) {
      return { user: name, unavailable: bounded(`${expanded}: ${(error as Error).message}`, 500) };
    }
  }
  return { user: name, keys: keys.slice(0, 256) };
}

/** user -> home directory from /etc/passwd, or null when it cannot be read. */
async function homeDirectories(fsRoot: string): Promise<Map<string, string> | null> {
  let text: string;
  try {
    text = await readFile(join(fsRoot, 'etc/passwd'), 'utf8');
  } catch {
    return null;
  }
  const homes = new Map<string, string>();
  for (const line of text.split('\n').slice(0, 100_000)) {
    const fields = line.split(':');
    if (fields.length >= 7 && fields[0] && fields[5]) homes.set(fields[0], fields[5]);
  }
  return homes;
}

interface UserRun {
  settings: SshdUserSettings;
  keySources: ReturnType<typeof parseSshdKeySources> | null;
}

/** `sshd -T -C user=NAME`: what Match blocks make of the settings for this user. */
async function settingsForUser(options: SshdCollectOptions, user: string): Promise<UserRun> {
  const failed = (reason: string): UserRun => ({ settings: { user: bounded(user, 64), unavailable: reason }, keySources: null });
  // The name goes into sshd's comma-separated -C spec: refuse anything but a plain user name.
  if (!isValidUserName(user)) return failed('not a valid user name');
  const result = await runSshdT(options, ['-C', `user=${user}`]);
  if ('installed' in result) return failed('sshd not installed');
  if ('unavailable' in result) return failed(result.unavailable);
  try {
    return { settings: { user, settings: parseSshdT(result.stdout) }, keySources: parseSshdKeySources(result.stdout) };
  } catch (error) {
    return failed(bounded(`sshd -T output not understood: ${(error as Error).message}`, 500));
  }
}

/** Members of the admin groups, or null when /etc/group cannot be read. */
async function defaultAdminUsers(fsRoot: string): Promise<string[] | null> {
  let group: string;
  try {
    group = await readFile(join(fsRoot, 'etc/group'), 'utf8');
  } catch {
    return null;
  }
  // /etc/passwd only adds members by primary group; without it the listed members still stand.
  const passwd = await readFile(join(fsRoot, 'etc/passwd'), 'utf8').catch(() => '');
  return adminGroupMembers(group, passwd);
}

type SshdTRun = { stdout: string } | Unavailable | { installed: false; settings: null };

/** Runs `sshd -T [-f FILE] [extra...]` with the first binary that exists. */
export async function runSshdT(options: SshdCollectOptions, extra: readonly string[]): Promise<SshdTRun> {
  const args = ['-T', ...(options.configPath ? ['-f', options.configPath] : []), ...extra];
  const binaries = options.binary ? [options.binary] : defaultBinaries();
  for (const binary of binaries) {
    const run = await runCommand(binary, args, { timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    if (!run.ok) {
      if (run.failure === 'not_found') continue;
      return { unavailable: bounded(run.reason, 500) };
    }
    if (run.code !== 0) {
      const why = stderrSummary(run.stderr) || `exit code ${run.code}`;
      return { unavailable: bounded(`sshd -T failed: ${why}`, 500) };
    }
    return { stdout: run.stdout };
  }
  return { installed: false, settings: null };
}
