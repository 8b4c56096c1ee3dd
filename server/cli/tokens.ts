// `vigie token create` (one-time enrollment token) and `vigie apitoken create` (automation token).
import { Type } from 'typebox';
import { HOST_ROLES, HostIdentity, HostRoleSchema } from '../../policies/evidence.js';
import { createApiToken, createEnrollmentToken, MAX_API_TOKEN_TTL_DAYS, MAX_ENROLLMENT_TTL_HOURS } from '../db/tokens.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec, withDatabase } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

export const TOKEN_CREATE_USAGE = `Usage: vigie token create --site S --role R [--ttl-hours N] [--data-dir D] [--json]

Create a one-time enrollment token for a host of role R at site S. The token is printed once
(only its digest is stored) and enrolls exactly one host before it expires (default 24 h, max ${MAX_ENROLLMENT_TTL_HOURS} h).
Roles: ${HOST_ROLES.join(', ')}.`;

const TokenCreateOptions = Type.Object(
  {
    site: HostIdentity.properties.site,
    role: HostRoleSchema,
    'ttl-hours': Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ENROLLMENT_TTL_HOURS })),
    'data-dir': DataDirOption,
    json: JsonOption,
  },
  { additionalProperties: false },
);

export async function tokenCreate(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie token create',
    args,
    { site: { type: 'string' }, role: { type: 'string' }, 'ttl-hours': { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    TokenCreateOptions,
  );
  const created = await withDatabase(io, options['data-dir'], (db) =>
    createEnrollmentToken(db, {
      site: options.site,
      role: options.role,
      ...(options['ttl-hours'] === undefined ? {} : { ttlHours: options['ttl-hours'] }),
    }),
  );
  if (options.json === true) {
    const { token, site, role, expires_at } = created;
    io.stdout(JSON.stringify({ token, site, role, expires_at }));
  } else {
    io.stdout(`Enrollment token for site ${created.site}, role ${created.role}; one use, expires ${created.expires_at}.`);
    io.stdout('It is shown only now:');
    io.stdout(created.token);
  }
  return 0;
}

export const APITOKEN_CREATE_USAGE = `Usage: vigie apitoken create --name N [--ttl-days N] [--data-dir D] [--json]

Create an API token (scope "read": GET /api/v1/hosts...) for automation. The token is printed
once (only its digest is stored). Without --ttl-days it does not expire (max ${MAX_API_TOKEN_TTL_DAYS} days).`;

const ApiTokenCreateOptions = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    'ttl-days': Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_API_TOKEN_TTL_DAYS })),
    'data-dir': DataDirOption,
    json: JsonOption,
  },
  { additionalProperties: false },
);

export async function apiTokenCreate(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie apitoken create',
    args,
    { name: { type: 'string' }, 'ttl-days': { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    ApiTokenCreateOptions,
  );
  const created = await withDatabase(io, options['data-dir'], (db) =>
    createApiToken(db, {
      name: options.name,
      ...(options['ttl-days'] === undefined ? {} : { ttlDays: options['ttl-days'] }),
    }),
  );
  if (options.json === true) {
    const { token, name, scope, expires_at } = created;
    io.stdout(JSON.stringify({ token, name, scope, expires_at }));
  } else {
    io.stdout(`API token "${created.name}" (scope ${created.scope}), expires ${created.expires_at ?? 'never'}.`);
    io.stdout('It is shown only now:');
    io.stdout(created.token);
  }
  return 0;
}
