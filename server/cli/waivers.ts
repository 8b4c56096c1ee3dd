// `vigie waiver add`, `list` and `revoke`: dérogations, each with a justification, an approver
// and an expiry date; every creation and revocation is written to the audit log.
import { Type } from 'typebox';
import { loadShippedPacks } from '../../policies/pack.js';
import { resolveAuditConfig } from '../audit/config.js';
import { formatScope, listWaivers } from '../db/waivers.js';
import { createWaiver, WaiverInputError } from '../waivers/create.js';
import { waiverState } from '../waivers/list.js';
import { REVOKE_REASON_LENGTH, revokeWaiver, WaiverRevokeError } from '../waivers/revoke.js';
import { cliActorId } from './audit.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

export const WAIVER_ADD_USAGE = `Usage: vigie waiver add --rule RULE_ID --scope host:ID|site:SITE|role:ROLE
                        --justification TEXT --approver NAME --expires YYYY-MM-DD [--data-dir D] [--json]

Record a waiver (dérogation): the rule's fail/warn verdicts in that scope are reported as waived
until the end of the expiry day (audit time zone), never hidden. Written to the audit log.`;

export async function waiverAdd(args: string[], io: CliIo): Promise<number> {
  const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
  const { options } = parseCommand(
    'vigie waiver add',
    args,
    {
      rule: { type: 'string' },
      scope: { type: 'string' },
      justification: { type: 'string' },
      approver: { type: 'string' },
      expires: { type: 'string' },
      ...dataDirSpec,
      ...jsonSpec,
    },
    Type.Object(
      {
        rule: text(32),
        scope: text(80),
        justification: text(2000),
        approver: text(128),
        expires: text(10),
        'data-dir': DataDirOption,
        json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const timeZone = resolveAuditConfig(undefined, io.env).timezone;
  return withDatabase(io, options['data-dir'], async (db) => {
    let waiver;
    try {
      waiver = await createWaiver(db, options, { packs: loadShippedPacks(), now: new Date(), timeZone, actor: { type: 'cli', id: cliActorId() } });
    } catch (error) {
      if (error instanceof WaiverInputError) throw new UsageError(`vigie waiver add: ${error.message}`);
      throw error;
    }
    if (options.json === true) io.stdout(JSON.stringify({ waiver }));
    else io.stdout(`Waiver ${waiver.id} recorded: ${waiver.rule_id} for ${formatScope(waiver.scope)} until ${waiver.expires_at}.`);
    return 0;
  });
}

export const WAIVER_LIST_USAGE = `Usage: vigie waiver list [--data-dir D] [--json]

List waivers, latest expiry first, with their state (active / pending / expired / revoked) and,
for a revoked one, when and by whom.`;

export async function waiverList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie waiver list',
    args,
    { ...dataDirSpec, ...jsonSpec },
    Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const now = new Date();
  const waivers = await withDatabase(io, options['data-dir'], (db) => listWaivers(db));
  const rows = waivers.map((w) => ({ ...w, state: waiverState(w, now) }));
  if (options.json === true) {
    io.stdout(JSON.stringify({ waivers: rows }));
    return 0;
  }
  if (rows.length === 0) {
    io.stdout('No waiver.');
    return 0;
  }
  io.stdout(['WAIVER_ID', 'RULE', 'SCOPE', 'STATE', 'EXPIRES', 'APPROVER', 'JUSTIFICATION', 'REVOKED'].join('\t'));
  for (const w of rows) {
    const revoked = w.revoked_at === undefined ? '-' : `${w.revoked_at} by ${w.revoked_by ?? '?'}`;
    io.stdout([w.id, w.rule_id, formatScope(w.scope), w.state, w.expires_at, w.approver, w.justification.replace(/\s+/g, ' ').slice(0, 80), revoked].join('\t'));
  }
  return 0;
}

export const WAIVER_REVOKE_USAGE = `Usage: vigie waiver revoke WAIVER_ID --reason TEXT [--data-dir D] [--json]

Revoke a waiver that still runs (active or pending): it stops applying now, keeps the expiry its
approver signed, and records when and by whom (the operator running the command). The reason
(${REVOKE_REASON_LENGTH.min} to ${REVOKE_REASON_LENGTH.max} characters) is written to the audit log. An unknown, expired or already
revoked waiver is refused (exit 2) and nothing is written.`;

export async function waiverRevoke(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie waiver revoke',
    args,
    { reason: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      { reason: Type.String({ minLength: 1, maxLength: 8192 }), 'data-dir': DataDirOption, json: JsonOption },
      { additionalProperties: false },
    ),
    1,
  );
  const id = positionals[0];
  if (id === undefined) throw new UsageError('vigie waiver revoke: the waiver id is required');
  return withDatabase(io, options['data-dir'], async (db) => {
    let waiver;
    try {
      waiver = await revokeWaiver(db, id, { now: new Date(), actor: { type: 'cli', id: cliActorId() }, reason: options.reason });
    } catch (error) {
      if (error instanceof WaiverRevokeError) throw new UsageError(`vigie waiver revoke: ${error.message}`);
      throw error;
    }
    if (options.json === true) io.stdout(JSON.stringify({ waiver }));
    else io.stdout(`Waiver ${waiver.id} revoked on ${waiver.revoked_at ?? '?'} by ${waiver.revoked_by ?? '?'} (${waiver.rule_id} for ${formatScope(waiver.scope)}).`);
    return 0;
  });
}
