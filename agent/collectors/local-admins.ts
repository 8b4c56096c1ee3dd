// Local administrators on Linux (AUTH-06): members of sudo/wheel/admin, every UID 0 account,
// principals sudoers grants ALL as root, root's own login state, and interactive logons from
// wtmp. Privilege: /etc/shadow and /etc/sudoers(.d) are root-only (CAP_DAC_READ_SEARCH in the
// unit); without it root's state and the sudoers grants say unavailable, never "none".
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalAdmins, Unavailable } from '../../policies/evidence.js';
import { runCommand } from '../run-command.js';
import { ADMIN_GROUPS } from './parse-group.js';
import { lastLogonByUser, parseLast, type WtmpHistory } from './parse-last.js';
import { groupMembers, parsePasswd, parseShadow, type ShadowEntry } from './parse-shadow.js';
import { isSudoersDropIn, parseSudoers, type SudoGrant } from './parse-sudoers.js';
import { bounded } from './redact.js';

export interface LocalAdminsOptions {
  fsRoot?: string;
  /** `last` binary; its -f points at <fsRoot>/var/log/wtmp. */
  lastBinary?: string;
  now?: () => Date;
}

const DAY_MS = 86_400_000;
const DAILY_USER_WINDOW_DAYS = 30;

export async function collectLocalAdmins(options: LocalAdminsOptions = {}): Promise<LocalAdmins | Unavailable> {
  const root = options.fsRoot ?? '/';
  const now = (options.now ?? (() => new Date()))();
  let passwdText: string;
  let groupText: string;
  try {
    [passwdText, groupText] = await Promise.all([readFile(join(root, 'etc/passwd'), 'utf8'), readFile(join(root, 'etc/group'), 'utf8')]);
  } catch (error) {
    return { unavailable: bounded(`cannot read /etc/passwd or /etc/group: ${(error as Error).message}`, 500) };
  }
  const passwd = parsePasswd(passwdText);
  const shadow = await readFile(join(root, 'etc/shadow'), 'utf8').then(parseShadow, (e: Error) => e);
  const sudo = await readSudoGrants(root);
  if (sudo instanceof Error) return { unavailable: bounded(`sudoers not readable (needs CAP_DAC_READ_SEARCH): ${sudo.message}`, 500) };
  const history = await readWtmp(root, options.lastBinary ?? 'last');

  const lastLogon = history ? lastLogonByUser(history) : new Map<string, string>();
  const logonOf = (name: string) => lastLogon.get(name) ?? null;
  const members = new Map<string, LocalAdmins['members'][number]>();
  const addUser = (name: string) => {
    if (!members.has(name)) members.set(name, { name: bounded(name, 128), kind: 'user', last_interactive_logon_at: logonOf(name) });
  };
  for (const list of groupMembers(groupText, passwd, ADMIN_GROUPS).values()) list.forEach(addUser);
  for (const p of passwd) if (p.uid === 0 && p.name !== 'root') addUser(p.name);
  const groupsGranted = new Set<string>();
  for (const g of sudo.filter((g) => g.all_commands)) {
    if (g.principal.startsWith('%')) groupsGranted.add(g.principal.slice(1));
    else if (g.principal !== 'root' && g.principal !== 'ALL') addUser(g.principal);
    else if (g.principal === 'ALL') members.set('ALL', { name: 'ALL (every user, sudoers)', kind: 'group', last_interactive_logon_at: null });
  }
  // Groups granted ALL that are not the well-known admin groups: report the group and its members.
  const extraGroups = [...groupsGranted].filter((g) => !(ADMIN_GROUPS as readonly string[]).includes(g));
  for (const [group, list] of groupMembers(groupText, passwd, extraGroups)) {
    members.set(`%${group}`, { name: bounded(`%${group}`, 128), kind: 'group', last_interactive_logon_at: null });
    list.forEach(addUser);
  }
  const rootShadow = shadow instanceof Error ? null : (shadow.find((s) => s.name === 'root') ?? null);
  return {
    members: [...members.values()].slice(0, 64),
    builtin_admin: {
      name: 'root',
      enabled: shadow instanceof Error ? null : rootCanLogIn(rootShadow),
      // LAPS does not exist on Linux: a root password is never LAPS-managed.
      laps_managed: false,
      last_interactive_logon_at: logonOf('root'),
    },
    daily_user_is_admin: dailyUserIsAdmin(history, new Set(members.keys()), now),
    logon_history_since: history?.since ?? null,
  };
}

function rootCanLogIn(entry: ShadowEntry | null): boolean {
  if (!entry) return false;
  return entry.password === 'usable' || entry.password === 'empty';
}

/**
 * The day-to-day user: whoever opened most interactive sessions (root excepted) over the last 30
 * days. No session in a wtmp covering those 30 days: there is no daily user, so none is admin.
 */
function dailyUserIsAdmin(history: WtmpHistory | null, admins: Set<string>, now: Date): boolean | null {
  if (!history) return null;
  const from = now.getTime() - DAILY_USER_WINDOW_DAYS * DAY_MS;
  const counts = new Map<string, number>();
  for (const l of history.logons) {
    if (l.user === 'root' || Date.parse(l.at) < from) continue;
    counts.set(l.user, (counts.get(l.user) ?? 0) + 1);
  }
  if (counts.size === 0) {
    const covered = history.since !== null && Date.parse(history.since) <= from;
    return covered ? false : null;
  }
  const [daily] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return daily ? admins.has(daily[0]) : null;
}

async function readSudoGrants(root: string): Promise<SudoGrant[] | Error> {
  const grants: SudoGrant[] = [];
  const seen = new Set<string>();
  const readOne = async (path: string, depth: number): Promise<void> => {
    if (depth > 4 || seen.has(path) || seen.size > 256) return;
    seen.add(path);
    let text: string;
    try {
      text = await readFile(join(root, path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const parsed = parseSudoers(text.slice(0, 1024 * 1024), path);
    grants.push(...parsed.grants);
    for (const inc of parsed.includes) {
      if (!inc.dir) {
        await readOne(inc.path.startsWith('/') ? inc.path : join('/etc', inc.path), depth + 1);
        continue;
      }
      let names: string[];
      try {
        names = (await readdir(join(root, inc.path))).filter(isSudoersDropIn).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const name of names.slice(0, 128)) await readOne(join(inc.path, name), depth + 1);
    }
  };
  try {
    await readOne('/etc/sudoers', 0);
  } catch (error) {
    return error as Error;
  }
  return grants;
}

async function readWtmp(root: string, lastBinary: string): Promise<WtmpHistory | null> {
  const run = await runCommand(lastBinary, ['-w', '--time-format', 'iso', '-f', join(root, 'var/log/wtmp')], {
    timeoutMs: 10_000,
    maxOutputBytes: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
  });
  if (!run.ok || run.code !== 0) return null;
  return parseLast(run.stdout);
}
