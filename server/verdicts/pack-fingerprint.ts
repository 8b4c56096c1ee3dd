// Which pack judged a report, in a form the machine can check later: SHA-256 over the code of the
// rules (every source file under policies/) and the resolved pack (site overlay and allowlists
// included). Two evaluations with the same fingerprint and the same inputs give the same verdicts,
// which is what lets the server show explanations derived again instead of storing them per report.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pack } from '../../policies/pack.js';

const POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

let codeDigest: string | undefined;

/** Digest of the policy code (read once per process; the files do not change under a running server). */
function policyCodeDigest(): string {
  if (codeDigest !== undefined) return codeDigest;
  const hash = createHash('sha256');
  const files = readdirSync(POLICIES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js|mjs)$/.test(f))
    .sort();
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(POLICIES_DIR, file))).update('\0');
  codeDigest = hash.digest('hex');
  return codeDigest;
}

const fingerprints = new WeakMap<Pack, string>();

/** The fingerprint of a resolved pack (cached per pack object: packFor returns cached packs). */
export function packFingerprint(pack: Pack): string {
  let fingerprint = fingerprints.get(pack);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(policyCodeDigest()).update('\0').update(JSON.stringify(pack)).digest('hex');
    fingerprints.set(pack, fingerprint);
  }
  return fingerprint;
}
