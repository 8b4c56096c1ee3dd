// PAM stacks of the services an attacker logs in through (sshd, sudo, login), read from the
// host's pam.d directories under a root parameter, includes resolved.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { PamEvidence, PamService, Unavailable } from '../../policies/evidence.js';
import { resolvePamStack } from './parse-pam.js';
import { bounded } from './redact.js';

export interface PamCollectOptions {
  /** Root of the file system to read (tests build their own). */
  fsRoot?: string;
  services?: readonly string[];
  platform?: NodeJS.Platform;
}

export const PAM_SERVICES = ['sshd', 'sudo', 'login'] as const;
// Administrators' files first, then the distribution's vendor defaults (newer distros).
const PAM_DIRS = ['etc/pam.d', 'usr/lib/pam.d'];
const MAX_FILE_BYTES = 64 * 1024;

export async function collectPam(options: PamCollectOptions = {}): Promise<PamEvidence | Unavailable> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux' && platform !== 'darwin') return { unavailable: `PAM does not exist on ${platform}` };
  const fsRoot = options.fsRoot ?? '/';
  const dirs = PAM_DIRS.map((d) => join(fsRoot, d)).filter(isDirectory);
  if (dirs.length === 0) return { unavailable: 'no /etc/pam.d or /usr/lib/pam.d directory: PAM configuration not readable' };
  const read = (name: string): string | null => {
    // Includes name files in pam.d; an absolute path is taken under the root.
    const candidates = isAbsolute(name) ? [join(fsRoot, name)] : name.includes('/') ? [] : dirs.map((d) => join(d, name));
    for (const path of candidates) {
      let data: Buffer;
      try {
        data = readFileSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new Error(`cannot read ${path}: ${(error as Error).message}`);
      }
      if (data.length > MAX_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
      return data.toString('utf8');
    }
    return null;
  };
  const services: PamService[] = (options.services ?? PAM_SERVICES).slice(0, 16).map((service) => {
    try {
      return { service, entries: resolvePamStack(service, read) };
    } catch (error) {
      return { service, unavailable: bounded((error as Error).message, 500) };
    }
  });
  return { services };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
