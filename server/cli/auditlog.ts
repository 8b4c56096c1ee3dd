// `vigie auditlog verify` (exit 0 intact, 1 tampered, naming where) and `vigie auditlog list`.
import { userInfo } from 'node:os';
import { Type } from 'typebox';
import { AUDIT_ACTION_PATTERN, AuditHeadPinError, listAuditEntries, MAX_AUDIT_LIST, parseAuditHeadPin, verifyAuditLog, type AuditActor, type AuditHeadPin } from '../auditlog/auditlog.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

/** The audit actor of a CLI command: the operating-system account that ran it (via sudo: the caller). */
export function cliActor(io: CliIo): AuditActor {
  const fromEnv = io.env.SUDO_USER ?? io.env.USER ?? io.env.LOGNAME;
  let name = fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
  if (name === undefined) {
    try {
      name = userInfo().username;
    } catch {
      name = 'unknown';
    }
  }
  return { type: 'cli', id: name.slice(0, 200) };
}

export const AUDITLOG_VERIFY_USAGE = `Usage: vigie auditlog verify [--expect-head SEQ:HASH] [--data-dir D] [--json]

Check the whole hash chain of the audit log. Exit 0 when intact (prints the number of entries and
the head as SEQ:HASH: keep it somewhere the database's administrators cannot write), 1 when an
entry was edited, deleted or reordered (prints the first broken seq and what is wrong).
--expect-head SEQ:HASH  a head printed by an earlier run: the log must still hold that entry with
                        that hash. Detects what the chain alone cannot: its end cut together with
                        the head row, or the whole log rewritten with recomputed hashes.`;

export async function auditlogVerify(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie auditlog verify',
    args,
    { 'expect-head': { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ 'expect-head': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  let expectHead: AuditHeadPin | undefined;
  if (options['expect-head'] !== undefined) {
    try {
      expectHead = parseAuditHeadPin(options['expect-head']);
    } catch (error) {
      if (error instanceof AuditHeadPinError) throw new UsageError(`--expect-head: ${error.message}`);
      throw error;
    }
  }
  const result = await withDatabase(io, options['data-dir'], (db) => verifyAuditLog(db, { expectHead }));
  if (options.json === true) io.stdout(JSON.stringify(result));
  else if (result.ok) {
    const pinned = result.expected_head === undefined ? '' : `; still holds the expected head ${result.expected_head.seq}:${result.expected_head.hash}`;
    io.stdout(`Audit log intact: ${result.entries} entries; head ${result.head.seq}:${result.head.hash}${pinned}`);
  } else io.stdout(`Audit log TAMPERED at seq ${result.seq} (${result.problem}): ${result.message}`);
  return result.ok ? 0 : 1;
}

export const AUDITLOG_LIST_USAGE = `Usage: vigie auditlog list [--limit N] [--action A] [--data-dir D] [--json]

Show the latest audit entries, newest first (default 50, at most ${MAX_AUDIT_LIST}), optionally of
one action (e.g. auth.login_failed). Listing does not verify the chain: use vigie auditlog verify.`;

export async function auditlogList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie auditlog list',
    args,
    { limit: { type: 'string' }, action: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_LIST })),
        action: Type.Optional(Type.String({ pattern: AUDIT_ACTION_PATTERN, maxLength: 128 })),
        'data-dir': DataDirOption,
        json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const entries = await withDatabase(io, options['data-dir'], (db) =>
    listAuditEntries(db, { limit: options.limit ?? 50, action: options.action }),
  );
  if (options.json === true) {
    io.stdout(JSON.stringify({ entries }));
    return 0;
  }
  if (entries.length === 0) {
    io.stdout('The audit log is empty.');
    return 0;
  }
  io.stdout(['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'DETAILS'].join('\t'));
  for (const e of entries) {
    io.stdout([e.seq, e.at, `${e.actor.type}:${e.actor.id}`, e.action, e.target ?? '-', JSON.stringify(e.details)].join('\t'));
  }
  return 0;
}
