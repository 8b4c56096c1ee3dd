// `vigie recording list|show|verify|export` and `vigie session cut`: the bastion's sessions and their signed recordings.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { bastionKeyPaths } from '../bastion/keys.js';
import { checkRecording, exportRecording, OFFLINE_VERIFY_COMMAND, recordingFiles } from '../bastion/recordings.js';
import { recordingRetentionOf, type RecordingRetention } from '../bastion/retention.js';
import { recordingRetentionDaysOf, recordingsDirOf } from '../bastion/settings.js';
import { resolveConfig } from '../config.js';
import { findBastionSession, listBastionSessions, requestBastionCut, requestRetentionFacts, type BastionSessionRecord } from '../db/bastion-sessions.js';
import { cliActor } from './auditlog.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

const IdOption = Type.String({ format: 'uuid', maxLength: 36 });

function locations(io: CliIo, dataDir: string | undefined) {
  const config = resolveConfig(dataDir === undefined ? {} : { dataDir }, io.env);
  const publicKeyFile = bastionKeyPaths(config.dataDir).recordingPublicKey;
  let publicKeyPem: string;
  try {
    publicKeyPem = readFileSync(publicKeyFile, 'utf8');
  } catch {
    throw new Error(`the recording public key ${publicKeyFile} cannot be read (run \`vigie server init\`)`);
  }
  return { recordingsDir: recordingsDirOf(config.dataDir, io.env), publicKeyPem, publicKey: createPublicKey(publicKeyPem) };
}

async function sessionOrFail(io: CliIo, dataDir: string | undefined, id: string, command: string): Promise<BastionSessionRecord | undefined> {
  const session = await withDatabase(io, dataDir, (db) => findBastionSession(db, id));
  if (session === undefined) io.stderr(`vigie ${command}: no bastion session with id ${id}`);
  return session;
}

export const RECORDING_LIST_USAGE = `Usage: vigie recording list [--state live|ended|all] [--user U] [--data-dir D] [--json]

List bastion sessions (newest first, at most 500): who, which target, when, how each ended.`;

export async function recordingList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie recording list',
    args,
    { state: { type: 'string' }, user: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      {
        state: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('ended'), Type.Literal('all')])),
        user: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        'data-dir': DataDirOption,
        json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const sessions = await withDatabase(io, options['data-dir'], (db) =>
    listBastionSessions(db, { state: options.state ?? 'all', ...(options.user === undefined ? {} : { username: options.user }) }),
  );
  if (options.json === true) {
    io.stdout(JSON.stringify({ sessions }));
    return 0;
  }
  if (sessions.length === 0) {
    io.stdout('No bastion session yet.');
    return 0;
  }
  io.stdout(['SESSION_ID', 'USER', 'TARGET', 'STARTED', 'ENDED', 'END_REASON', 'SIGNED'].join('\t'));
  for (const s of sessions) {
    io.stdout([s.session_id, s.username, s.target_name, s.started_at, s.ended_at ?? 'live', s.end_reason ?? '-', s.signed_sha256 === null ? 'no' : 'yes'].join('\t'));
  }
  return 0;
}

export const RECORDING_SHOW_USAGE = `Usage: vigie recording show --id SESSION_ID [--data-dir D] [--json]

Show a bastion session: grant, window, end reason, bytes, its recording files and their verification.`;

export async function recordingShow(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie recording show',
    args,
    { id: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ id: IdOption, 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const session = await sessionOrFail(io, options['data-dir'], options.id, 'recording show');
  if (session === undefined) return 1;
  const where = locations(io, options['data-dir']);
  const files = recordingFiles(where.recordingsDir, session);
  const check = checkRecording(where.recordingsDir, session, where.publicKey);
  const request = await withDatabase(io, options['data-dir'], async (db) => (await requestRetentionFacts(db, [session.request_id])).get(session.request_id));
  const retention = recordingRetentionOf(session, request, recordingRetentionDaysOf(io.env));
  if (options.json === true) {
    io.stdout(JSON.stringify({ session, files, recording: { state: check.state, ok: check.verify?.ok ?? null, problems: check.verify?.problems ?? [] }, retention }));
    return 0;
  }
  io.stdout(
    [
      `Session ${session.session_id}`,
      `  user ${session.username} -> target ${session.target_name} (from ${session.source_ip}, replica ${session.replica})`,
      `  grant ${session.grant_id}, request ${session.request_id}, window ends ${session.not_after}`,
      `  started ${session.started_at}, ended ${session.ended_at ?? 'still live'}${session.end_reason === null ? '' : ` (${session.end_reason})`}`,
      `  bytes from the vendor ${session.bytes_from_client}, to the vendor ${session.bytes_to_client}; input recorded: ${session.input_recorded ? 'yes' : 'no'}`,
      `  signed manifest SHA-256: ${session.signed_sha256 ?? '-'}`,
      `  recording: ${check.state}${check.verify === null ? '' : check.verify.ok ? ', verified' : ', DOES NOT VERIFY'}`,
      ...(check.state === 'deleted' ? [] : [`  kept: ${retentionText(retention)}`]),
      ...files.map((file) => `    ${file.name}  ${file.size} bytes`),
    ].join('\n'),
  );
  return 0;
}

const HOLD_TEXT: Record<string, string> = {
  session_live: 'while the session is live',
  request_missing: 'without end: its access request cannot be found',
  request_open: 'while its access request is open, then the retention from its end',
  emergency_not_countersigned: 'while its emergency request waits for its countersignature',
};

function retentionText(retention: RecordingRetention): string {
  if (retention.deletableAfter !== null) return `until ${retention.deletableAfter} (its retention and its request's)`;
  return HOLD_TEXT[retention.heldBy ?? ''] ?? String(retention.heldBy);
}

export const RECORDING_VERIFY_USAGE = `Usage: vigie recording verify --id SESSION_ID [--data-dir D] [--json]

Check a session's recording: the Ed25519 signature of its SHA256SUMS, that this is the signed list
recorded at the session's end, and each file's SHA-256 and size. Names every altered, missing or
unexpected file. Exit 0 when it verifies, 1 otherwise.`;

export async function recordingVerify(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie recording verify',
    args,
    { id: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ id: IdOption, 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const session = await sessionOrFail(io, options['data-dir'], options.id, 'recording verify');
  if (session === undefined) return 1;
  const where = locations(io, options['data-dir']);
  const check = checkRecording(where.recordingsDir, session, where.publicKey);
  const ok = check.verify?.ok === true;
  if (options.json === true) {
    io.stdout(JSON.stringify({ session_id: session.session_id, state: check.state, ok, signature: check.verify?.signature ?? null, signed_hash_matches: check.verify?.signedHashMatches ?? null, problems: check.verify?.problems ?? [] }));
    return ok ? 0 : 1;
  }
  if (check.verify === null) {
    io.stderr(`Recording of ${session.session_id} cannot be verified: ${check.state}.`);
    return 1;
  }
  const v = check.verify;
  io.stdout(`Signature: ${v.signature}; signed list matches the session record: ${v.signedHashMatches === null ? 'not compared' : v.signedHashMatches ? 'yes' : 'NO'}`);
  for (const problem of v.problems) io.stdout(`  ${problem.file}: ${problem.problem}`);
  io.stdout(ok ? `Recording of ${session.session_id} verifies.` : `Recording of ${session.session_id} DOES NOT VERIFY.`);
  return ok ? 0 : 1;
}

export const RECORDING_EXPORT_USAGE = `Usage: vigie recording export --id SESSION_ID --out DIR [--data-dir D]

Copy a session's recording (.cast files, manifest.json, SHA256SUMS and its signature) with the
recording public key and a VERIFY.txt into DIR (new or empty). Check it anywhere, offline, with:
  ${OFFLINE_VERIFY_COMMAND}`;

export async function recordingExport(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie recording export',
    args,
    { id: { type: 'string' }, out: { type: 'string' }, ...dataDirSpec },
    Type.Object({ id: IdOption, out: Type.String({ minLength: 1, maxLength: 4096 }), 'data-dir': DataDirOption }, { additionalProperties: false }),
  );
  const session = await sessionOrFail(io, options['data-dir'], options.id, 'recording export');
  if (session === undefined) return 1;
  if (session.signed_sha256 === null) {
    io.stderr(`vigie recording export: session ${session.session_id} has no sealed recording (${session.ended_at === null ? 'still live' : 'not sealed'}).`);
    return 1;
  }
  const where = locations(io, options['data-dir']);
  const written = exportRecording(where.recordingsDir, session, where.publicKeyPem, options.out);
  await withDatabase(io, options['data-dir'], (db) =>
    appendAuditEvent(db, { actor: cliActor(io), action: 'bastion.recording_exported', target: `bastion_session:${session.session_id}`, details: { files: written.length } }),
  );
  io.stdout(`Exported ${written.length} files to ${options.out}. Verify offline there with:\n  ${OFFLINE_VERIFY_COMMAND}`);
  return 0;
}

export const SESSION_CUT_USAGE = `Usage: vigie session cut --id SESSION_ID [--data-dir D]

Cut a live bastion session now, on whichever replica holds it (its watchdog reads the request within
a second). To end every session of a grant, revoke the grant instead.`;

export async function sessionCut(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie session cut',
    args,
    { id: { type: 'string' }, ...dataDirSpec },
    Type.Object({ id: IdOption, 'data-dir': DataDirOption }, { additionalProperties: false }),
  );
  return withDatabase(io, options['data-dir'], async (db) => {
    const actor = cliActor(io);
    if (!(await requestBastionCut(db, options.id, `${actor.type}:${actor.id}`, new Date()))) {
      io.stderr(`vigie session cut: no live bastion session with id ${options.id}`);
      return 1;
    }
    await appendAuditEvent(db, { actor, action: 'bastion.cut_requested', target: `bastion_session:${options.id}` });
    io.stdout(`Cut requested for session ${options.id}; it ends within a second.`);
    return 0;
  });
}
