// The bastion inside `vigie server start`: keys read before anything listens (a missing or unsafe
// key stops the start with its path), the live-event bus and replica id shared with the API's
// routes, and the bastion started on the access domain's authority once the API listens.
import type { FastifyBaseLogger } from 'fastify';
import type { Pack, SiteOverlay } from '../../policies/pack.js';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import type { BastionRouteDeps } from '../routes/bastion.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import { AccessAuthority } from './access-authority.js';
import type { BastionAuthority } from './authority.js';
import { newReplicaId, startBastion, type BastionSettings, type RunningBastion } from './bastion-server.js';
import { existsSync } from 'node:fs';
import { bastionKeyPaths, loadHostKey, loadRecordingKey, type HostKey, type RecordingKey } from './keys.js';
import { SessionEventBus } from './session-events.js';
import { resolveBastionSettings, type BastionInput } from './settings.js';

export interface ServerBastionOptions extends BastionInput {
  /**
   * true: start it (its keys must exist); 'if-initialised': start it when `vigie server init` made its
   * host key (what `vigie server start` does without --no-ssh or --ssh-port); false: never.
   */
  enabled: boolean | 'if-initialised';
}

export interface PreparedBastion {
  settings: BastionSettings;
  hostKey: HostKey;
  recordingKey: RecordingKey;
  events: SessionEventBus;
  replica: string;
  routeDeps: BastionRouteDeps;
}

export function prepareBastion(config: ServerConfig, options: ServerBastionOptions, env: NodeJS.ProcessEnv): PreparedBastion | null {
  if (options.enabled === false) return null;
  if (options.enabled === 'if-initialised' && !existsSync(bastionKeyPaths(config.dataDir).hostKey)) return null;
  const settings = resolveBastionSettings(config.dataDir, config.host, options, env);
  const hostKey = loadHostKey(config.dataDir);
  const recordingKey = loadRecordingKey(config.dataDir);
  const events = new SessionEventBus();
  const replica = newReplicaId();
  return {
    settings,
    hostKey,
    recordingKey,
    events,
    replica,
    routeDeps: { recordingsDir: settings.recordingsDir, recordingPublicKey: recordingKey.publicKey, events, replica },
  };
}

export interface ServerBastionDeps {
  db: Database;
  secretsKey: SecretsKey;
  log: FastifyBaseLogger;
  now: () => Date;
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
  /** Tests may pass another; the server uses the access domain's. */
  authority?: BastionAuthority;
}

export function launchBastion(prepared: PreparedBastion, deps: ServerBastionDeps): Promise<RunningBastion> {
  const authority = deps.authority ?? new AccessAuthority({ db: deps.db, secretsKey: deps.secretsKey, packs: deps.packs, overlays: deps.overlays });
  return startBastion(
    {
      db: deps.db,
      authority,
      secretsKey: deps.secretsKey,
      hostKey: prepared.hostKey,
      recordingKey: prepared.recordingKey,
      log: deps.log,
      now: deps.now,
      events: prepared.events,
      replica: prepared.replica,
    },
    prepared.settings,
  );
}
