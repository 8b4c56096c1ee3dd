// What every route plugin receives: the database, the clock, the policy packs, the configuration.
import type { Pack, SiteOverlay } from '../../policies/pack.js';
import type { AgentPolicyFile } from '../agents/agent-policy.js';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { ErrorBody } from '../errors.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import type { LoginGuard } from '../auth/login-guard.js';

export interface RouteContext {
  db: Database;
  config: ServerConfig;
  packs: Map<string, Pack>;
  /** Site overlays by site (`<dataDir>/overlays/<site>.yaml`), applied to the role packs. */
  overlays: ReadonlyMap<string, SiteOverlay>;
  /** `<dataDir>/agent-policy.yaml`: agents' schedule and egress probes. */
  agentPolicy: AgentPolicyFile;
  /** Seals and opens the secrets stored in the database (TOTP secrets). */
  secretsKey: SecretsKey;
  now: () => Date;
  /** The process's one hash gate and lock cache, shared by the API and dashboard password checks. */
  loginGuard: LoginGuard;
}

/** Every route may answer these with the one error format. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;
