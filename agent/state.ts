// The agent's identity on disk: what enrollment gave it. The credential is a secret,
// so the file is written 0600 and refused if anyone else can read it.
import { mkdirSync, readFileSync, statSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { HostRoleSchema } from '../policies/evidence.js';
import type { ServerEndpoint } from './client.js';

export const AgentIdentity = Type.Object(
  {
    server_url: Type.String({ minLength: 1, maxLength: 2048 }),
    host_id: Type.String({ minLength: 1, maxLength: 64 }),
    credential: Type.String({ minLength: 1, maxLength: 512 }),
    site: Type.String({ minLength: 1, maxLength: 64 }),
    role: HostRoleSchema,
    enrolled_at: Type.String({ format: 'date-time' }),
    /** The pinned server certificate (HTTPS only): its fingerprint and the anchor that issued it. */
    server_pin: Type.Union([
      Type.Object(
        {
          fingerprint: Type.String({ pattern: '^[0-9a-f]{64}$' }),
          trustAnchorPem: Type.String({ minLength: 1, maxLength: 16384 }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type AgentIdentity = Static<typeof AgentIdentity>;
const checkIdentity = Compile(AgentIdentity);

export class AgentStateError extends Error {}

/** Where and how to reach the server, as the transport needs it. */
export const serverOf = (identity: AgentIdentity): ServerEndpoint => ({ url: identity.server_url, pin: identity.server_pin });

export const identityPath = (stateDir: string): string => join(stateDir, 'agent.json');

export function readIdentity(stateDir: string): AgentIdentity | null {
  const path = identityPath(stateDir);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if ((mode & 0o077) !== 0) {
    throw new AgentStateError(
      `${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); it holds the agent credential: chmod 600 it`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AgentStateError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!checkIdentity.Check(parsed)) {
    const first = [...checkIdentity.Errors(parsed)][0];
    throw new AgentStateError(`${path} is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown error'}`);
  }
  return parsed;
}

/** Atomic, durable write: temp file + fsync + rename, mode 0600 from the start. */
export function writeIdentity(stateDir: string, identity: AgentIdentity): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = identityPath(stateDir);
  const temp = `${path}.tmp`;
  writeFileSync(temp, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
  const fd = openSync(temp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
