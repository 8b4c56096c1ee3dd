// Reading sealed recordings for the CLI and the API: where a session's files are, whether they
// verify (signature, hashes, sizes, and the signed hash recorded at the session's end), and an
// export folder an RSSI can check offline with openssl and sha256sum.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { BastionSessionRecord } from '../db/bastion-sessions.js';
import { MANIFEST_FILE, RECORDING_FILE_PATTERN, SIGNATURE_FILE, SUMS_FILE, verifyRecording, type VerifyResult } from './manifest.js';
import { RECORDING_PUBLIC_KEY_FILE_NAME } from './keys.js';

export interface RecordingFileInfo {
  name: string;
  size: number;
}

export function recordingDir(recordingsDir: string, session: Pick<BastionSessionRecord, 'recording_dir'>): string {
  return join(recordingsDir, session.recording_dir);
}

/** The files of a session's recording folder (casts and the sealing files), by name. */
export function recordingFiles(recordingsDir: string, session: Pick<BastionSessionRecord, 'recording_dir'>): RecordingFileInfo[] {
  const dir = recordingDir(recordingsDir, session);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => isRecordingFileName(name))
    .sort()
    .map((name) => ({ name, size: statSync(join(dir, name)).size }));
}

export function isRecordingFileName(name: string): boolean {
  return RECORDING_FILE_PATTERN.test(name) || name === MANIFEST_FILE || name === SUMS_FILE || name === SIGNATURE_FILE;
}

export type RecordingState = 'live' | 'deleted' | 'unsealed' | 'sealed';

export interface RecordingCheck {
  state: RecordingState;
  verify: VerifyResult | null;
}

export function checkRecording(recordingsDir: string, session: BastionSessionRecord, publicKey: KeyObject): RecordingCheck {
  if (session.ended_at === null) return { state: 'live', verify: null };
  if (session.recording_deleted_at !== null) return { state: 'deleted', verify: null };
  if (session.signed_sha256 === null) return { state: 'unsealed', verify: null };
  return { state: 'sealed', verify: verifyRecording(recordingDir(recordingsDir, session), publicKey, session.signed_sha256) };
}

export const OFFLINE_VERIFY_COMMAND =
  `openssl pkeyutl -verify -pubin -inkey ${RECORDING_PUBLIC_KEY_FILE_NAME} -rawin -in ${SUMS_FILE} -sigfile ${SIGNATURE_FILE} && sha256sum --strict -c ${SUMS_FILE}`;

/**
 * Copy a sealed recording to `out` (which must not exist or be empty) with the recording public key
 * and a README saying how to verify it offline. Returns the files written.
 */
export function exportRecording(recordingsDir: string, session: BastionSessionRecord, publicKeyPem: string, out: string): string[] {
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} exists and is not empty`);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const dir = recordingDir(recordingsDir, session);
  const written: string[] = [];
  for (const file of recordingFiles(recordingsDir, session)) {
    copyFileSync(join(dir, file.name), join(out, file.name));
    written.push(file.name);
  }
  writeFileSync(join(out, RECORDING_PUBLIC_KEY_FILE_NAME), publicKeyPem, { mode: 0o644 });
  written.push(RECORDING_PUBLIC_KEY_FILE_NAME);
  writeFileSync(
    join(out, 'VERIFY.txt'),
    [
      `Vigie bastion recording of session ${session.session_id}`,
      `user ${session.username}, target ${session.target_name}, ${session.started_at} -> ${session.ended_at ?? '?'} (${session.end_reason ?? '?'})`,
      `SHA-256 of the signed ${SUMS_FILE}, as in Vigie's audit log: ${session.signed_sha256 ?? 'not sealed'}`,
      '',
      'Check it offline, in this folder (OpenSSL 3 and coreutils):',
      `  ${OFFLINE_VERIFY_COMMAND}`,
      `  sha256sum ${SUMS_FILE}    # must print the hash above`,
      '',
      `Compare ${RECORDING_PUBLIC_KEY_FILE_NAME} with the one \`vigie server init\` printed (or ask the RSSI for it) before trusting a signature.`,
      '',
    ].join('\n'),
  );
  written.push('VERIFY.txt');
  return written;
}
