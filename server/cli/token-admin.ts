// `vigie token list|revoke` (enrollment tokens) and `vigie apitoken list|revoke` (API tokens).
import { Type } from 'typebox';
import { listApiTokens, listEnrollmentTokens, revokeApiTokenById, revokeEnrollmentToken, type RevokeOutcome } from '../auth/token-admin.js';
import { cliActor } from './auditlog.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

const ListOptions = Type.Object({ all: Type.Optional(Type.Boolean()), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false });
const RevokeOptions = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }), 'data-dir': DataDirOption, json: JsonOption },
  { additionalProperties: false },
);
const listSpec = { all: { type: 'boolean' }, ...dataDirSpec, ...jsonSpec } as const;
const revokeSpec = { id: { type: 'string' }, ...dataDirSpec, ...jsonSpec } as const;

export const TOKEN_LIST_USAGE = `Usage: vigie token list [--all] [--data-dir D] [--json]

List enrollment tokens still usable (with --all: also used, expired and revoked ones), newest
first: id, site, role, expiry, and the host a used token enrolled. Tokens themselves are never shown.`;

export const TOKEN_REVOKE_USAGE = `Usage: vigie token revoke --id ID [--data-dir D] [--json]

Revoke an unused enrollment token (e.g. sent to the wrong person). A used token already enrolled
its host: revoke the host instead (vigie host revoke). Exit 1 if there is nothing to revoke.`;

export const APITOKEN_LIST_USAGE = `Usage: vigie apitoken list [--all] [--data-dir D] [--json]

List API tokens still usable (with --all: also expired and revoked ones), newest first: id, name,
role, expiry. A token with no expiry was made before tokens had a default lifetime: revoke it and
make a new one. Tokens themselves are never shown.`;

export const APITOKEN_REVOKE_USAGE = `Usage: vigie apitoken revoke --id ID [--data-dir D] [--json]

Revoke an API token at once (journalled). Exit 1 if there is nothing to revoke.`;

const MESSAGES: Record<RevokeOutcome, string> = {
  revoked: 'revoked',
  not_found: 'no token with this id',
  already_revoked: 'already revoked',
  already_used: 'already used to enroll a host: revoke the host instead',
};

function printRevoke(io: CliIo, json: boolean | undefined, id: string, outcome: RevokeOutcome): number {
  if (json === true) io.stdout(JSON.stringify({ token_id: id, outcome }));
  else if (outcome === 'revoked') io.stdout(`Token ${id} revoked.`);
  else io.stderr(`Token ${id}: ${MESSAGES[outcome]}.`);
  return outcome === 'revoked' ? 0 : 1;
}

export async function tokenList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie token list', args, listSpec, ListOptions);
  const tokens = await withDatabase(io, options['data-dir'], (db) => listEnrollmentTokens(db, new Date(), options.all ?? false));
  if (options.json === true) io.stdout(JSON.stringify({ tokens }));
  else if (tokens.length === 0) io.stdout(options.all === true ? 'No enrollment tokens.' : 'No usable enrollment tokens (--all shows the others).');
  else {
    io.stdout(['ID', 'SITE', 'ROLE', 'STATE', 'EXPIRES', 'HOST'].join('\t'));
    for (const t of tokens) io.stdout([t.token_id, t.site, t.role, t.state, t.expires_at, t.used_by_host ?? '-'].join('\t'));
  }
  return 0;
}

export async function tokenRevoke(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie token revoke', args, revokeSpec, RevokeOptions);
  const outcome = await withDatabase(io, options['data-dir'], (db) => revokeEnrollmentToken(db, options.id, cliActor(io), new Date()));
  return printRevoke(io, options.json, options.id, outcome);
}

export async function apiTokenList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie apitoken list', args, listSpec, ListOptions);
  const tokens = await withDatabase(io, options['data-dir'], (db) => listApiTokens(db, new Date(), options.all ?? false));
  if (options.json === true) io.stdout(JSON.stringify({ tokens }));
  else if (tokens.length === 0) io.stdout(options.all === true ? 'No API tokens.' : 'No usable API tokens (--all shows the others).');
  else {
    io.stdout(['ID', 'NAME', 'ROLE', 'STATE', 'EXPIRES'].join('\t'));
    for (const t of tokens) io.stdout([t.token_id, JSON.stringify(t.name), t.scope, t.state, t.expires_at ?? 'never (made before default lifetimes: revoke and recreate)'].join('\t'));
  }
  return 0;
}

export async function apiTokenRevoke(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie apitoken revoke', args, revokeSpec, RevokeOptions);
  const outcome = await withDatabase(io, options['data-dir'], (db) => revokeApiTokenById(db, options.id, cliActor(io), new Date()));
  return printRevoke(io, options.json, options.id, outcome);
}
