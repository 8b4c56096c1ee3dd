// The agent's local configuration (what to collect and when), a JSON file the operator
// writes. Validated by schema; a bad file stops the agent with the field and the reason.
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { AgentSchedule } from '../policies/agent-config.js';
import { BackupSourceConfig } from './collect.js';

export const AgentConfig = Type.Object(
  {
    backup_sources: Type.Optional(Type.Array(BackupSourceConfig, { maxItems: 64 })),
    sshd: Type.Optional(
      Type.Object(
        {
          binary: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          config_path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
    outbox: Type.Optional(
      Type.Object(
        {
          /** Total size of unsent reports kept on disk; the oldest are evicted (and counted) past it. */
          max_bytes: Type.Integer({ minimum: 16 * 1024, maximum: 10 * 1024 ** 3 }),
          /** Unsent reports older than this are evicted (and counted). */
          max_age_days: Type.Integer({ minimum: 1, maximum: 3650 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Where names come from (Linux): dnsmasq's query log when it is not found in dnsmasq's configuration. */
    names: Type.Optional(
      Type.Object({ dnsmasq_log: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) }, { additionalProperties: false }),
    ),
    /** A local schedule overrides the one the server hands out. */
    schedule: Type.Optional(AgentSchedule),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfig>;
const checkConfig = Compile(AgentConfig);

export class AgentConfigError extends Error {}

export function readAgentConfig(path: string | undefined): AgentConfig {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AgentConfigError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  if (!checkConfig.Check(parsed)) {
    const first = [...checkConfig.Errors(parsed)][0];
    throw new AgentConfigError(`config ${path} is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown error'}`);
  }
  return parsed;
}
