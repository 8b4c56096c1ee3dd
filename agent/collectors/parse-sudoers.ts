// Pure parser of sudoers files: who is granted root through sudo. Only user and group names
// leave it; commands, host lists and Defaults are not reported.

export interface SudoGrant {
  /** A user name, or a group name prefixed with `%` as in sudoers. */
  principal: string;
  /** Granted every command as root (ALL), not a restricted command list. */
  all_commands: boolean;
  nopasswd: boolean;
  file: string;
}

export interface SudoersFile {
  grants: SudoGrant[];
  /** `@includedir`/`#includedir` and `@include` targets, in order. */
  includes: { dir: boolean; path: string }[];
}

/** Joins backslash-continued lines and drops comments (but keeps #include/#includedir). */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n').slice(0, 20_000)) {
    const line = raw.replace(/\r$/, '');
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    lines.push(current + line);
    current = '';
  }
  if (current) lines.push(current);
  return lines;
}

export function parseSudoers(text: string, file: string): SudoersFile {
  const grants: SudoGrant[] = [];
  const includes: SudoersFile['includes'] = [];
  const aliases = new Map<string, string[]>();
  for (const raw of logicalLines(text)) {
    const line = raw.trim();
    const include = /^[@#](include|includedir)\s+(\S+)/.exec(line);
    if (include?.[1] && include[2]) {
      includes.push({ dir: include[1] === 'includedir', path: include[2] });
      continue;
    }
    const body = line.replace(/#.*$/, '').trim();
    if (!body || body.startsWith('Defaults')) continue;
    const alias = /^User_Alias\s+([A-Z][A-Z0-9_]*)\s*=\s*(.+)$/.exec(body);
    if (alias?.[1] && alias[2]) {
      aliases.set(alias[1], alias[2].split(',').map((s) => s.trim()).filter(Boolean));
      continue;
    }
    if (/^(Host_Alias|Runas_Alias|Cmnd_Alias|Cmd_Alias)\b/.test(body)) continue;
    // user_list host_list = (runas) [TAGS:] commands
    const rule = /^(\S+(?:\s*,\s*\S+)*)\s+\S+\s*=\s*(.*)$/.exec(body);
    if (!rule?.[1] || rule[2] === undefined) continue;
    const spec = rule[2];
    const runas = /^\(([^)]*)\)/.exec(spec.trim());
    const runsAsRoot = !runas || /(^|[\s,:])(ALL|root)([\s,:]|$)/.test(runas[1] ?? '');
    const commands = spec.replace(/^\s*\([^)]*\)\s*/, '');
    const nopasswd = /\bNOPASSWD\s*:/.test(commands);
    const bare = commands.replace(/\b[A-Z_]+\s*:\s*/g, '').trim();
    const allCommands = runsAsRoot && bare.split(',').some((c) => c.trim() === 'ALL');
    for (const p of rule[1].split(',').map((s) => s.trim())) {
      const expanded = aliases.get(p) ?? [p];
      for (const principal of expanded) {
        if (principal.startsWith('!')) continue;
        grants.push({ principal, all_commands: allCommands, nopasswd, file });
      }
    }
  }
  return { grants, includes };
}

/** sudoers.d file names sudo reads: no dot, not ending in `~`. */
export function isSudoersDropIn(name: string): boolean {
  return !name.includes('.') && !name.endsWith('~');
}
