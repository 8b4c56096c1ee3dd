// What the server tells each agent about how to run: its schedule and its egress probes.
// Part of the agent/server contract (GET /api/v1/agent/config).
import { Type, type Static } from 'typebox';
import { EgressProbeTarget } from './evidence.js';

export const AgentSchedule = Type.Object(
  {
    /** node-cron expression (5 or 6 fields). */
    cron: Type.String({ minLength: 9, maxLength: 100 }),
    /** Random delay before each run, so a fleet does not hit the server in the same second. */
    splay_seconds: Type.Integer({ minimum: 0, maximum: 3600 }),
  },
  { additionalProperties: false },
);
export type AgentSchedule = Static<typeof AgentSchedule>;

export const AgentServerConfig = Type.Object(
  {
    schedule: AgentSchedule,
    probes: Type.Array(EgressProbeTarget, { maxItems: 200 }),
  },
  { additionalProperties: false },
);
export type AgentServerConfig = Static<typeof AgentServerConfig>;

export const DEFAULT_AGENT_SCHEDULE: AgentSchedule = { cron: '*/15 * * * *', splay_seconds: 120 };
