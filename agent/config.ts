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
    /** Added by evidence (issue 19): networks from which administration is done (CIDRs). sshd or a VPN bound only inside them is not a remote entry point (AUTH-04). */
    admin_networks: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    /** Groups whose members are vendor accounts on a telemaintenance gateway (default: vendors, telemaintenance). */
    vendor_groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }), { maxItems: 16 })),
    /** Host tags reported with the identity, e.g. "mobile" for laptops that leave the site (ENC-01, NET-09). */
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9-]*$' }), { maxItems: 16, uniqueItems: true })),
    /** chronyd command socket and rsyslog impstats file, where they are not at their defaults. */
    chrony_socket: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    rsyslog_stats_file: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
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
