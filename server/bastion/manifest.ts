// The signed manifest of a session's recording.
//
// At the end of a session its folder gets:
//   manifest.json     the session (id, request, grant, user, target, start, end, end reason) and each
//                     recording file's name, SHA-256 and size;
//   SHA256SUMS        `<sha256>  <name>` for manifest.json and every recording file (sha256sum format);
//   SHA256SUMS.sig    the raw Ed25519 signature of SHA256SUMS with the recording key.
// One signature covers everything (SHA256SUMS names manifest.json), and both halves can be checked
// with stock tools, offline:
//   openssl pkeyutl -verify -pubin -inkey recording_ed25519_key.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
//   sha256sum --strict -c SHA256SUMS
// The SHA-256 of SHA256SUMS goes into the audit log (the hash chain then vouches for it too).
//
// Sealing is asynchronous (other sessions go on while one is sealed): the recording files' hashes
// come from their writers, computed as the bytes were written (asciicast-writer.ts), so a long
// recording is not read back; a file no writer vouches for is hashed by a streamed read. The small
// files are written and fsynced through the thread pool.
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';
export const SIGNATURE_FILE = 'SHA256SUMS.sig';
/** Recording files are named by the bastion; anything else in the folder is reported. */
export const RECORDING_FILE_PATTERN = /^ch\d{1,4}-(shell|exec)\.cast$/;

export interface ManifestFile {
  name: string;
  sha256: string;
  size: number;
}

export interface SessionManifest {
  version: 1;
  session_id: string;
  request_id: string;
  grant_id: string;
  user: string;
  target: string;
  source_ip: string;
  started_at: string;
  ended_at: string;
  end_reason: string;
  input_recorded: boolean;
  /** SHA-256 (hex) of the recording key's public DER: which key signed. */
  recording_key_sha256: string;
  files: ManifestFile[];
}

export interface SealResult {
  manifest: SessionManifest;
  /** SHA-256 of manifest.json. */
  manifestSha256: string;
  /** SHA-256 of SHA256SUMS: the signed document, logged in the audit log. */
  signedSha256: string;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** SHA-256 and size of a file, read as a stream (never the whole file in memory, never blocking the event loop). */
function sha256FileStreamed(file: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(file, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => {
        size += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), size }));
  });
}

async function writeDurably(file: string, content: string | Buffer, mode = 0o600): Promise<void> {
  const handle = await open(file, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function sumsText(entries: readonly { name: string; sha256: string }[]): string {
  return entries.map((entry) => `${entry.sha256}  ${entry.name}\n`).join('');
}

/**
 * Seal a session's folder: manifest.json, SHA256SUMS and its signature, all fsynced, then the folder.
 * `written` gives the recording files their writers hashed as they wrote them (by name); any other
 * recording file in the folder is hashed from the disk.
 */
export async function sealRecording(
  dir: string,
  meta: Omit<SessionManifest, 'version' | 'files' | 'recording_key_sha256'>,
  key: { privateKey: KeyObject; fingerprint: string },
  written: readonly ManifestFile[] = [],
): Promise<SealResult> {
  const byName = new Map(written.map((file) => [file.name, file]));
  const names = (await readdir(dir)).filter((name) => RECORDING_FILE_PATTERN.test(name)).sort();
  const files: ManifestFile[] = [];
  for (const name of names) {
    const known = byName.get(name);
    files.push(known !== undefined ? { name, sha256: known.sha256, size: known.size } : { name, ...(await sha256FileStreamed(join(dir, name))) });
  }
  const manifest: SessionManifest = { version: 1, ...meta, recording_key_sha256: key.fingerprint, files };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeDurably(join(dir, MANIFEST_FILE), manifestText);
  const manifestSha256 = createHash('sha256').update(manifestText).digest('hex');
  const sums = sumsText([{ name: MANIFEST_FILE, sha256: manifestSha256 }, ...files]);
  await writeDurably(join(dir, SUMS_FILE), sums);
  await writeDurably(join(dir, SIGNATURE_FILE), sign(null, Buffer.from(sums), key.privateKey));
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
  return { manifest, manifestSha256, signedSha256: createHash('sha256').update(sums).digest('hex') };
}

export type FileProblem = 'missing' | 'modified' | 'size_changed' | 'unexpected';

export interface VerifyResult {
  ok: boolean;
  signature: 'valid' | 'invalid' | 'missing';
  /** The signed document's hash matches the one in the audit log / session record (null: not compared). */
  signedHashMatches: boolean | null;
  problems: { file: string; problem: FileProblem }[];
  manifest: SessionManifest | null;
}

/**
 * Check a sealed recording folder: the signature of SHA256SUMS, that SHA256SUMS and manifest.json
 * agree, and every file's hash and size. Names every altered, missing or unexpected file.
 */
export function verifyRecording(dir: string, publicKey: KeyObject, expectedSignedSha256: string | null = null): VerifyResult {
  const problems: VerifyResult['problems'] = [];
  const sumsPath = join(dir, SUMS_FILE);
  const sigPath = join(dir, SIGNATURE_FILE);
  if (!existsSync(sumsPath)) problems.push({ file: SUMS_FILE, problem: 'missing' });
  let signature: VerifyResult['signature'] = 'missing';
  let signedHashMatches: boolean | null = null;
  let listed = new Map<string, string>();
  if (existsSync(sumsPath)) {
    const sums = readFileSync(sumsPath);
    if (expectedSignedSha256 !== null) signedHashMatches = createHash('sha256').update(sums).digest('hex') === expectedSignedSha256;
    if (existsSync(sigPath)) signature = verify(null, sums, publicKey, readFileSync(sigPath)) ? 'valid' : 'invalid';
    listed = new Map(
      sums
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
          return match === null ? ['', ''] : [match[2] ?? '', match[1] ?? ''];
        }),
    );
  } else if (!existsSync(sigPath)) {
    problems.push({ file: SIGNATURE_FILE, problem: 'missing' });
  }
  if (existsSync(sumsPath) && !existsSync(sigPath)) problems.push({ file: SIGNATURE_FILE, problem: 'missing' });

  let manifest: SessionManifest | null = null;
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) problems.push({ file: MANIFEST_FILE, problem: 'missing' });
  else {
    const text = readFileSync(manifestPath);
    if (createHash('sha256').update(text).digest('hex') !== listed.get(MANIFEST_FILE)) problems.push({ file: MANIFEST_FILE, problem: 'modified' });
    try {
      manifest = JSON.parse(text.toString('utf8')) as SessionManifest;
    } catch {
      manifest = null;
    }
  }
  const expected = new Map<string, { sha256: string; size: number | null }>();
  for (const [name, sha256] of listed) if (name !== MANIFEST_FILE && name !== '') expected.set(name, { sha256, size: null });
  for (const file of manifest?.files ?? []) {
    const known = expected.get(file.name);
    // A manifest that disagrees with the signed list is itself altered (already reported above).
    if (known !== undefined && known.sha256 === file.sha256) known.size = file.size;
  }
  for (const [name, want] of expected) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      problems.push({ file: name, problem: 'missing' });
      continue;
    }
    const size = statSync(path).size;
    if (want.size !== null && size !== want.size) problems.push({ file: name, problem: 'size_changed' });
    else if (sha256File(path) !== want.sha256) problems.push({ file: name, problem: 'modified' });
  }
  for (const name of readdirSync(dir)) {
    if (RECORDING_FILE_PATTERN.test(name) && !expected.has(name)) problems.push({ file: name, problem: 'unexpected' });
  }
  const ok = signature === 'valid' && problems.length === 0 && signedHashMatches !== false;
  return { ok, signature, signedHashMatches, problems, manifest };
}
