// What `vigie-agent status` shows: the outcome of the last cycles, kept in a small file so the
// service and the operator's shell (two processes) see the same thing.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AgentStatus {
  last_cycle_at: string | null;
  last_success_at: string | null;
  last_error: { at: string; message: string } | null;
  consecutive_failures: number;
}

const EMPTY: AgentStatus = { last_cycle_at: null, last_success_at: null, last_error: null, consecutive_failures: 0 };
const statusPath = (stateDir: string): string => join(stateDir, 'status.json');

export function readStatus(stateDir: string): AgentStatus {
  try {
    const parsed = JSON.parse(readFileSync(statusPath(stateDir), 'utf8')) as Partial<AgentStatus>;
    return { ...EMPTY, ...parsed };
  } catch {
    return { ...EMPTY };
  }
}

/** Best effort: a full disk must not turn a status update into a crash loop. */
export function writeStatus(stateDir: string, status: AgentStatus): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const temp = `${statusPath(stateDir)}.tmp`;
    writeFileSync(temp, JSON.stringify(status, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, statusPath(stateDir));
  } catch {
    // The status file is informative only; the outbox is what must stay consistent.
  }
}
