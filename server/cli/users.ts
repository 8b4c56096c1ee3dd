// `vigie user add | list | disable | reset-mfa`: local accounts, each change written to the audit log.
import { Type } from 'typebox';
import { createAccount, disableAccount, resetAccountMfa, UsernameSchema } from '../auth/accounts.js';
import { MAX_PASSWORD_LENGTH } from '../auth/passwords.js';
import { PERSON_ROLES, PersonRoleSchema } from '../auth/account-role.js';
import { listUsers } from '../db/users.js';
import { ApiError } from '../errors.js';
import { cliActor } from './auditlog.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

/** The CLI's I/O, with standard input for --password-stdin (tests pass their own). */
export interface UserCliIo extends CliIo {
  readStdin?(): Promise<string>;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_PASSWORD_LENGTH * 4) throw new Error('standard input is too long for a password');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** ApiError (bad username, taken, unknown user) is a plain failure message on the CLI. */
async function asCli(io: CliIo, command: string, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`${command}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

export const USER_ADD_USAGE = `Usage: vigie user add --username U --role R [--password-stdin] [--data-dir D] [--json]

Create a local user. Without --password-stdin a one-time initial password is generated and printed
once; it must be changed at first login. Every user enrols TOTP MFA at first login.
Roles: ${PERSON_ROLES.join(', ')} (log-shipper is for API tokens only: vigie apitoken create).`;

export async function userAdd(args: string[], io: UserCliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie user add',
    args,
    { username: { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      { username: UsernameSchema, role: PersonRoleSchema, 'password-stdin': Type.Optional(Type.Boolean()), 'data-dir': DataDirOption, json: JsonOption },
      { additionalProperties: false },
    ),
  );
  const password = options['password-stdin'] === true ? (await (io.readStdin ?? readProcessStdin)()).replace(/\r?\n$/, '') : undefined;
  return asCli(io, 'vigie user add', async () => {
    const created = await withDatabase(io, options['data-dir'], (db) =>
      createAccount(db, { username: options.username, role: options.role, ...(password === undefined ? {} : { password }) }, cliActor(io), new Date()),
    );
    if (options.json === true) {
      io.stdout(JSON.stringify({ user: created.user, initial_password: created.initial_password }));
    } else {
      io.stdout(`User ${created.user.username} (${created.user.role}) created; TOTP enrolment is required at first login.`);
      if (created.initial_password !== null) {
        io.stdout('One-time initial password (shown only now; it must be changed at first login):');
        io.stdout(created.initial_password);
      }
    }
    return 0;
  });
}

export const USER_LIST_USAGE = `Usage: vigie user list [--data-dir D] [--json]

List local users with role, MFA state and whether they are disabled.`;

export async function userList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie user list',
    args,
    { ...dataDirSpec, ...jsonSpec },
    Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  const users = await withDatabase(io, options['data-dir'], (db) => listUsers(db));
  if (options.json === true) {
    io.stdout(JSON.stringify({ users }));
    return 0;
  }
  if (users.length === 0) {
    io.stdout('No user yet: create one with vigie user add --username U --role admin.');
    return 0;
  }
  io.stdout(['USERNAME', 'ROLE', 'MFA', 'STATE', 'CREATED'].join('\t'));
  for (const u of users) {
    io.stdout([u.username, u.role, u.mfa_enabled ? 'enrolled' : 'pending', u.disabled_at === null ? 'active' : 'disabled', u.created_at].join('\t'));
  }
  return 0;
}

const UsernameOnly = Type.Object({ username: UsernameSchema, 'data-dir': DataDirOption }, { additionalProperties: false });

export const USER_DISABLE_USAGE = `Usage: vigie user disable --username U [--data-dir D]

Disable a user: their sessions end and they can no longer log in.`;

export async function userDisable(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie user disable', args, { username: { type: 'string' }, ...dataDirSpec }, UsernameOnly);
  return asCli(io, 'vigie user disable', async () => {
    const { changed } = await withDatabase(io, options['data-dir'], (db) => disableAccount(db, options.username, cliActor(io), new Date()));
    io.stdout(changed ? `User ${options.username} disabled; their sessions ended.` : `User ${options.username} was already disabled.`);
    return 0;
  });
}

export const USER_RESET_MFA_USAGE = `Usage: vigie user reset-mfa --username U [--data-dir D]

Forget a user's TOTP secret and recovery codes (lost device): their sessions end and they enrol
MFA again at next login.`;

export async function userResetMfa(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie user reset-mfa', args, { username: { type: 'string' }, ...dataDirSpec }, UsernameOnly);
  return asCli(io, 'vigie user reset-mfa', async () => {
    await withDatabase(io, options['data-dir'], (db) => resetAccountMfa(db, options.username, cliActor(io), new Date()));
    io.stdout(`MFA of ${options.username} reset; they enrol again at next login.`);
    return 0;
  });
}
