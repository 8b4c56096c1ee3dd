// The schedule and egress probes the server hands this agent, fetched each cycle and kept on
// disk so they survive restarts and server outages.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { AgentServerConfig, DEFAULT_AGENT_SCHEDULE } from '../policies/agent-config.js';

const checkServerConfig = Compile(AgentServerConfig);
const path = (stateDir: string): string => join(stateDir, 'server-config.json');

export const isAgentServerConfig = (value: unknown): value is AgentServerConfig => checkServerConfig.Check(value);

/** The last configuration received, or null before the first one. */
export function readServerConfig(stateDir: string): AgentServerConfig | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path(stateDir), 'utf8'));
    if (isAgentServerConfig(parsed)) return parsed;
  } catch {
    // absent or unreadable
  }
  return null;
}

export const scheduleOf = (config: AgentServerConfig | null) => config?.schedule ?? DEFAULT_AGENT_SCHEDULE;

export function writeServerConfig(stateDir: string, config: AgentServerConfig): void {
  try {
    const temp = `${path(stateDir)}.tmp`;
    writeFileSync(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, path(stateDir));
  } catch {
    // Best effort (e.g. full disk): the previous configuration stays in force.
  }
}
