// Where the bastion listens and keeps its recordings, from the command line and the environment
// (VIGIE_SSH_HOST, VIGIE_SSH_PORT, VIGIE_RECORDINGS_DIR, VIGIE_RECORDING_RETENTION_DAYS,
// VIGIE_SSH_IDLE_MINUTES); the CLI's recording commands read the same.
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../config.js';
import { DEFAULT_RETENTION_DAYS, type BastionSettings } from './bastion-server.js';
import { DEFAULT_WATCHDOG } from './watchdog.js';

export const DEFAULT_SSH_PORT = 2222;

export interface BastionInput {
  host?: string | undefined;
  port?: number | undefined;
  recordingsDir?: string | undefined;
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw.slice(0, 40)}").`);
  return Number(raw);
}

export function recordingsDirOf(dataDir: string, env: NodeJS.ProcessEnv, explicit?: string): string {
  const dir = explicit ?? env.VIGIE_RECORDINGS_DIR ?? join(dataDir, 'recordings');
  return isAbsolute(dir) ? dir : resolve(dir);
}

export function recordingRetentionDaysOf(env: NodeJS.ProcessEnv): number {
  return integerFrom(env, 'VIGIE_RECORDING_RETENTION_DAYS', 1, 36500) ?? DEFAULT_RETENTION_DAYS;
}

export function resolveBastionSettings(dataDir: string, defaultHost: string, input: BastionInput, env: NodeJS.ProcessEnv): BastionSettings {
  const port = input.port ?? integerFrom(env, 'VIGIE_SSH_PORT', 0, 65535) ?? DEFAULT_SSH_PORT;
  const idleMinutes = integerFrom(env, 'VIGIE_SSH_IDLE_MINUTES', 1, 24 * 60);
  return {
    host: input.host ?? env.VIGIE_SSH_HOST ?? defaultHost,
    port,
    recordingsDir: recordingsDirOf(dataDir, env, input.recordingsDir),
    retentionDays: recordingRetentionDaysOf(env),
    watchdog: { ...DEFAULT_WATCHDOG, ...(idleMinutes === undefined ? {} : { idleTimeoutMs: idleMinutes * 60_000 }) },
    noticeLingerMs: 10_000,
  };
}
