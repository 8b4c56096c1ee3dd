// The bastion routes' view of the data dir when no bastion runs in this process (API-only replica, tests).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { offlineBastionRouteDeps, type BastionRouteDeps } from '../routes/bastion.js';
import { bastionKeyPaths } from './keys.js';
import { recordingsDirOf } from './settings.js';

export function recordingPublicKeyOf(dataDir: string): KeyObject | null {
  const file = bastionKeyPaths(dataDir).recordingPublicKey;
  return existsSync(file) ? createPublicKey(readFileSync(file, 'utf8')) : null;
}

export function defaultBastionRouteDeps(dataDir: string, env: NodeJS.ProcessEnv = process.env): BastionRouteDeps {
  return offlineBastionRouteDeps(recordingsDirOf(dataDir, env), recordingPublicKeyOf(dataDir));
}
