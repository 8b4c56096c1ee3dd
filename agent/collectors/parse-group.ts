// Pure parser of /etc/group and /etc/passwd: the members of the admin groups. These are the
// only user names the agent may report (rules need them for per-user checks).

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}\$?$/;
export const ADMIN_GROUPS = ['sudo', 'wheel', 'admin'] as const;
const MAX_MEMBERS = 32;

/** Members of `groups`, listed or by primary group, sorted, valid names only, at most 32. */
export function adminGroupMembers(groupText: string, passwdText: string, groups: readonly string[] = ADMIN_GROUPS): string[] {
  const members = new Set<string>();
  const gids = new Set<string>();
  for (const line of groupText.split('\n')) {
    const [name, , gid, list] = line.split(':');
    if (!name || !groups.includes(name)) continue;
    if (gid) gids.add(gid);
    for (const user of (list ?? '').split(',')) if (NAME.test(user.trim())) members.add(user.trim());
  }
  for (const line of passwdText.split('\n')) {
    const [user, , , gid] = line.split(':');
    if (user && gid && gids.has(gid) && NAME.test(user)) members.add(user);
  }
  return [...members].sort().slice(0, MAX_MEMBERS);
}

export function isValidUserName(name: string): boolean {
  return NAME.test(name);
}
