// The operator's file that tells agents how to run: `<dataDir>/agent-policy.yaml`, optional.
// It sets the collection schedule and, per role or site, the egress probes agents must try
// (e.g. "a telemaintenance gateway must NOT reach https://www.example.com").
//
//   schedule: { cron: "*/15 * * * *", splay_seconds: 120 }
//   probes:
//     - { target: "https://www.google.com", expectation: blocked, roles: [workstation, telemaintenance-gateway] }
//     - { target: "tls://vpn.vendor-irm.example:443", expectation: reachable, roles: [telemaintenance-gateway], sites: [chi-vallee] }
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import cron from 'node-cron';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { parse as parseYaml } from 'yaml';
import { AgentSchedule, DEFAULT_AGENT_SCHEDULE, type AgentServerConfig } from '../../policies/agent-config.js';
import { EgressProbeTarget, HostRoleSchema, type HostRole } from '../../policies/evidence.js';
import { ConfigError } from '../config.js';

export const AGENT_POLICY_FILE = 'agent-policy.yaml';

const ProbeRule = Type.Object(
  {
    ...EgressProbeTarget.properties,
    roles: Type.Optional(Type.Array(HostRoleSchema, { maxItems: 5 })),
    sites: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500 })),
  },
  { additionalProperties: false },
);

export const AgentPolicyFile = Type.Object(
  {
    schedule: Type.Optional(AgentSchedule),
    probes: Type.Optional(Type.Array(ProbeRule, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export type AgentPolicyFile = Static<typeof AgentPolicyFile>;
const checkPolicy = Compile(AgentPolicyFile);

/** Loads and validates the file; absent means defaults (no probes). A bad file stops the server. */
export function loadAgentPolicy(dataDir: string): AgentPolicyFile {
  const path = join(dataDir, AGENT_POLICY_FILE);
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: 0 });
  } catch (error) {
    throw new ConfigError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
  if (!checkPolicy.Check(parsed)) {
    const first = [...checkPolicy.Errors(parsed)][0];
    throw new ConfigError(`${path}: invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown error'}`);
  }
  if (parsed.schedule && !cron.validate(parsed.schedule.cron)) {
    throw new ConfigError(`${path}: schedule.cron is not a valid cron expression: "${parsed.schedule.cron}"`);
  }
  return parsed;
}

/** What one agent gets: the schedule and the probes that apply to its role and site. */
export function agentConfigFor(policy: AgentPolicyFile, host: { role: HostRole; site: string }): AgentServerConfig {
  const probes = (policy.probes ?? [])
    .filter((p) => (p.roles === undefined || p.roles.includes(host.role)) && (p.sites === undefined || p.sites.includes(host.site)))
    .slice(0, 200)
    .map((p) => ({ target: p.target, expectation: p.expectation }));
  return { schedule: policy.schedule ?? DEFAULT_AGENT_SCHEDULE, probes };
}
