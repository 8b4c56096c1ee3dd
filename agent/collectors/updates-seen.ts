// First-seen dates of pending updates, kept in the agent's state directory: on Debian/Ubuntu the
// archive gives no publication date, so "pending since at least" is what the agent can prove.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'updates-seen.json';

export function readUpdatesSeen(stateDir: string): Map<string, string> {
  try {
    const data = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as unknown;
    if (typeof data !== 'object' || data === null) return new Map();
    return new Map(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string' && !Number.isNaN(Date.parse(e[1]))));
  } catch {
    return new Map();
  }
}

export function writeUpdatesSeen(stateDir: string, seen: Map<string, string>): void {
  const tmp = join(stateDir, `${FILE}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(seen)), { mode: 0o600 });
    renameSync(tmp, join(stateDir, FILE));
  } catch {
    // A read-only or missing state dir (check before enrollment) only loses the first-seen dates;
    // a full disk must not keep a half-written file that takes the outbox's space.
    rmSync(tmp, { force: true });
  }
}
