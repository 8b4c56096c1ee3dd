// Enrollment tokens (one-time, site + role bound) and API tokens (automation, scoped, expiring).
// Only SHA-256 digests of their secrets are stored; see ../secrets/secrets.ts for formats and why.
import type { HostRole } from '../../policies/evidence.js';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { API_TOKEN_ROLES, type ApiTokenRole } from './roles.js';
import {
  formatApiToken,
  formatEnrollmentToken,
  hashSecret,
  newSecret,
  newTokenId,
  parseApiToken,
  parseEnrollmentToken,
  secretMatches,
} from '../secrets/secrets.js';
import { fromDbTime, fromDbTimeOrNull, toDbTime } from '../db/columns.js';
import { ensureSite } from '../db/hosts.js';
import type { Database } from '../db/schema.js';

const HOUR_MS = 3_600_000;
const SYSTEM_ACTOR: AuditActor = { type: 'system', id: 'vigie' };

// ---------------------------------------------------------------- enrollment tokens

export const DEFAULT_ENROLLMENT_TTL_HOURS = 24;
export const MAX_ENROLLMENT_TTL_HOURS = 24 * 30;

export interface CreateEnrollmentTokenInput {
  site: string;
  role: HostRole;
  /** Hours of validity, 1 to MAX_ENROLLMENT_TTL_HOURS (default 24). */
  ttlHours?: number;
  now?: Date;
  /** Who asked (recorded in the audit log); default the system itself. */
  actor?: AuditActor;
}

export interface CreatedEnrollmentToken {
  /** The one-time token to hand to the agent; it is not stored and cannot be shown again. */
  token: string;
  token_id: string;
  site: string;
  role: HostRole;
  expires_at: string;
}

/** Create a one-time enrollment token for a site and role (creating the site if new). */
export async function createEnrollmentToken(db: Database, input: CreateEnrollmentTokenInput): Promise<CreatedEnrollmentToken> {
  const now = input.now ?? new Date();
  const ttlHours = input.ttlHours ?? DEFAULT_ENROLLMENT_TTL_HOURS;
  if (!(ttlHours > 0 && ttlHours <= MAX_ENROLLMENT_TTL_HOURS)) {
    throw new RangeError(`ttlHours must be in ]0, ${MAX_ENROLLMENT_TTL_HOURS}], got ${ttlHours}`);
  }
  const tokenId = newTokenId();
  const secret = newSecret();
  const expiresAt = toDbTime(new Date(now.getTime() + ttlHours * HOUR_MS));
  await db.transaction().execute(async (trx) => {
    await ensureSite(trx, input.site, now);
    await trx
      .insertInto('enrollment_tokens')
      .values({
        token_id: tokenId,
        token_hash: hashSecret(secret),
        site: input.site,
        role: input.role,
        created_at: toDbTime(now),
        expires_at: expiresAt,
        used_at: null,
        used_by_host: null,
      })
      .execute();
    await appendAuditEvent(trx, {
      actor: input.actor ?? SYSTEM_ACTOR,
      action: 'enrollment_token.created',
      target: `enrollment_token:${tokenId}`,
      details: { site: input.site, role: input.role, expires_at: expiresAt },
      at: now,
    });
  });
  return { token: formatEnrollmentToken(tokenId, secret), token_id: tokenId, site: input.site, role: input.role, expires_at: expiresAt };
}

export type EnrollmentTokenCheck =
  | { ok: true; token_id: string; site: string; role: HostRole }
  | { ok: false; reason: 'token_invalid' | 'token_expired' | 'token_already_used' | 'token_revoked' };

/** Is this presented token usable now? Does not consume it (see markEnrollmentTokenUsed). */
export async function checkEnrollmentToken(db: Database, presented: string, now: Date): Promise<EnrollmentTokenCheck> {
  const parsed = parseEnrollmentToken(presented);
  if (parsed === null) return { ok: false, reason: 'token_invalid' };
  const row = await db
    .selectFrom('enrollment_tokens')
    .select(['token_id', 'token_hash', 'site', 'role', 'expires_at', 'used_at', 'revoked_at'])
    .where('token_id', '=', parsed.id)
    .executeTakeFirst();
  if (row === undefined || !secretMatches(parsed.secret, row.token_hash)) return { ok: false, reason: 'token_invalid' };
  if (row.used_at !== null) return { ok: false, reason: 'token_already_used' };
  if (row.revoked_at !== null) return { ok: false, reason: 'token_revoked' };
  // Inclusive boundary, as everywhere in Vigie: a token is still valid at its exact expiry instant.
  if (fromDbTime(row.expires_at) < toDbTime(now)) return { ok: false, reason: 'token_expired' };
  return { ok: true, token_id: row.token_id, site: row.site, role: row.role as HostRole };
}

/**
 * Mark the token used by `hostId`. Returns false if another enrollment consumed it first: the
 * `used_at is null` condition makes the second of two concurrent enrollments update nothing.
 */
export async function markEnrollmentTokenUsed(db: Database, tokenId: string, hostId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('enrollment_tokens')
    .set({ used_at: toDbTime(now), used_by_host: hostId })
    .where('token_id', '=', tokenId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

// ---------------------------------------------------------------- API tokens

/** An API token's scope is the role it acts with (see ../auth/roles.ts; "auditor" = read-only). */
export const API_TOKEN_SCOPES = API_TOKEN_ROLES;
export type ApiTokenScope = ApiTokenRole;
export const MAX_API_TOKEN_TTL_DAYS = 3650;
/** Without an explicit lifetime an API token expires after this (a forgotten token stops working). */
export const DEFAULT_API_TOKEN_TTL_DAYS = 90;

export interface CreateApiTokenInput {
  name: string;
  scope?: ApiTokenScope;
  /** Days of validity (default DEFAULT_API_TOKEN_TTL_DAYS); every token expires. */
  ttlDays?: number;
  now?: Date;
  /** Who asked (recorded in the audit log); default the system itself. */
  actor?: AuditActor;
}

export interface CreatedApiToken {
  /** The token to give to the automation; it is not stored and cannot be shown again. */
  token: string;
  token_id: string;
  name: string;
  scope: ApiTokenScope;
  expires_at: string | null;
}

export async function createApiToken(db: Database, input: CreateApiTokenInput): Promise<CreatedApiToken> {
  const now = input.now ?? new Date();
  const scope = input.scope ?? 'auditor';
  if (!(API_TOKEN_SCOPES as readonly string[]).includes(scope)) {
    throw new RangeError(`scope must be one of ${API_TOKEN_SCOPES.join(', ')}, got ${String(scope)}`);
  }
  const ttlDays = input.ttlDays ?? DEFAULT_API_TOKEN_TTL_DAYS;
  if (!(ttlDays > 0 && ttlDays <= MAX_API_TOKEN_TTL_DAYS)) {
    throw new RangeError(`ttlDays must be in ]0, ${MAX_API_TOKEN_TTL_DAYS}], got ${ttlDays}`);
  }
  const tokenId = newTokenId();
  const secret = newSecret();
  const expiresAt: string | null = toDbTime(new Date(now.getTime() + ttlDays * 24 * HOUR_MS));
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('api_tokens')
      .values({
        token_id: tokenId,
        token_hash: hashSecret(secret),
        name: input.name,
        scope,
        created_at: toDbTime(now),
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    await appendAuditEvent(trx, {
      actor: input.actor ?? SYSTEM_ACTOR,
      action: 'token.created',
      target: `api_token:${tokenId}`,
      details: { name: input.name, scope, expires_at: expiresAt },
      at: now,
    });
  });
  return { token: formatApiToken(tokenId, secret), token_id: tokenId, name: input.name, scope, expires_at: expiresAt };
}

export interface ApiTokenRecord {
  token_id: string;
  name: string;
  scope: ApiTokenScope;
  expires_at: string | null;
}

/** The token's record if it is genuine, unrevoked and unexpired; null otherwise. */
export async function authenticateApiToken(db: Database, presented: string, now: Date): Promise<ApiTokenRecord | null> {
  const parsed = parseApiToken(presented);
  if (parsed === null) return null;
  const row = await db
    .selectFrom('api_tokens')
    .select(['token_id', 'token_hash', 'name', 'scope', 'expires_at', 'revoked_at'])
    .where('token_id', '=', parsed.id)
    .executeTakeFirst();
  if (row === undefined || !secretMatches(parsed.secret, row.token_hash)) return null;
  if (row.revoked_at !== null) return null;
  // A scope outside today's token roles (e.g. a row written by hand) grants nothing.
  if (!(API_TOKEN_SCOPES as readonly string[]).includes(row.scope)) return null;
  const expiresAt = fromDbTimeOrNull(row.expires_at);
  if (expiresAt !== null && expiresAt < toDbTime(now)) return null;
  return { token_id: row.token_id, name: row.name, scope: row.scope as ApiTokenScope, expires_at: expiresAt };
}

export async function revokeApiToken(db: Database, tokenId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: toDbTime(now) })
    .where('token_id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
