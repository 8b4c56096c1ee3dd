// `vigie token create` (one-time enrollment token) and `vigie apitoken create` (automation token).
import { Type } from 'typebox';
import { HOST_ROLES, HostIdentity, HostRoleSchema } from '../../policies/evidence.js';
import { API_TOKEN_ROLES, ApiTokenRoleSchema } from '../auth/roles.js';
import { createApiToken, createEnrollmentToken, DEFAULT_API_TOKEN_TTL_DAYS, MAX_API_TOKEN_TTL_DAYS, MAX_ENROLLMENT_TTL_HOURS } from '../auth/tokens.js';
import { resolveConfig } from '../config.js';
import { loadTlsMaterial } from '../tls.js';
import { cliActor } from './auditlog.js';
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
      actor: cliActor(io),
      ...(options['ttl-hours'] === undefined ? {} : { ttlHours: options['ttl-hours'] }),
    }),
  );
  // Over HTTPS the token carries the server certificate's fingerprint (`~<sha256 hex>`): the
  // agent pins that certificate at enrollment, so a man in the middle cannot collect the credential.
  const tls = loadTlsMaterial(resolveConfig(options['data-dir'] === undefined ? {} : { dataDir: options['data-dir'] }, io.env));
  const token = tls === null ? created.token : `${created.token}~${tls.fingerprint}`;
  if (options.json === true) {
    const { site, role, expires_at } = created;
    io.stdout(JSON.stringify({ token, site, role, expires_at, server_fingerprint_sha256: tls?.fingerprint ?? null }));
  } else {
    io.stdout(`Enrollment token for site ${created.site}, role ${created.role}; one use, expires ${created.expires_at}.`);
    if (tls !== null) io.stdout(`It carries the fingerprint of the server certificate (${tls.certFile}), which the agent pins.`);
    io.stdout('It is shown only now:');
    io.stdout(token);
  }
  return 0;
}

export const APITOKEN_CREATE_USAGE = `Usage: vigie apitoken create --name N [--role R] [--ttl-days N] [--data-dir D] [--json]

Create an API token for automation, acting with role R (${API_TOKEN_ROLES.join(', ')}; default auditor,
read-only: GET /api/v1/hosts...). The token is printed once (only its digest is stored). It expires
after --ttl-days days (default ${DEFAULT_API_TOKEN_TTL_DAYS}, max ${MAX_API_TOKEN_TTL_DAYS}); list and revoke tokens with
vigie apitoken list|revoke.`;

const ApiTokenCreateOptions = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Optional(ApiTokenRoleSchema),
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
    { name: { type: 'string' }, role: { type: 'string' }, 'ttl-days': { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    ApiTokenCreateOptions,
  );
  const created = await withDatabase(io, options['data-dir'], (db) =>
    createApiToken(db, {
      name: options.name,
      actor: cliActor(io),
      ...(options.role === undefined ? {} : { scope: options.role }),
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
