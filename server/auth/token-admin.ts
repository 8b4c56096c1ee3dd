// Listing and revoking enrollment tokens and API tokens (`vigie token list|revoke`,
// `vigie apitoken list|revoke`, and the admin routes in ../routes/tokens.ts). Secrets are never
// listed (only their digests are stored anyway); each revocation is journalled with its change.
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { fromDbTime, fromDbTimeOrNull, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';

export type TokenState = 'active' | 'expired' | 'revoked' | 'used';

export interface EnrollmentTokenListing {
  token_id: string;
  site: string;
  role: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by_host: string | null;
  revoked_at: string | null;
  state: TokenState;
}

export interface ApiTokenListing {
  token_id: string;
  name: string;
  scope: string;
  created_at: string;
  /** null: a token made before API tokens had a default lifetime; it never expires (revoke it). */
  expires_at: string | null;
  revoked_at: string | null;
  state: Exclude<TokenState, 'used'>;
}

function stateOf(now: Date, expiresAt: string | null, revokedAt: string | null, usedAt: string | null = null): TokenState {
  if (revokedAt !== null) return 'revoked';
  if (usedAt !== null) return 'used';
  // Inclusive boundary, as everywhere in Vigie: still valid at its exact expiry instant.
  if (expiresAt !== null && expiresAt < toDbTime(now)) return 'expired';
  return 'active';
}

/** Newest first; without `all`, only tokens still usable. */
export async function listEnrollmentTokens(db: Database, now: Date, all = false): Promise<EnrollmentTokenListing[]> {
  const rows = await db
    .selectFrom('enrollment_tokens')
    .select(['token_id', 'site', 'role', 'created_at', 'expires_at', 'used_at', 'used_by_host', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('token_id')
    .execute();
  const listed = rows.map((r) => {
    const expires_at = fromDbTime(r.expires_at);
    const used_at = fromDbTimeOrNull(r.used_at);
    const revoked_at = fromDbTimeOrNull(r.revoked_at);
    return { token_id: r.token_id, site: r.site, role: r.role, created_at: fromDbTime(r.created_at), expires_at, used_at, used_by_host: r.used_by_host, revoked_at, state: stateOf(now, expires_at, revoked_at, used_at) };
  });
  return all ? listed : listed.filter((t) => t.state === 'active');
}

export async function listApiTokens(db: Database, now: Date, all = false): Promise<ApiTokenListing[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['token_id', 'name', 'scope', 'created_at', 'expires_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('token_id')
    .execute();
  const listed = rows.map((r) => {
    const expires_at = fromDbTimeOrNull(r.expires_at);
    const revoked_at = fromDbTimeOrNull(r.revoked_at);
    return { token_id: r.token_id, name: r.name, scope: r.scope, created_at: fromDbTime(r.created_at), expires_at, revoked_at, state: stateOf(now, expires_at, revoked_at) as ApiTokenListing['state'] };
  });
  return all ? listed : listed.filter((t) => t.state === 'active');
}

export type RevokeOutcome = 'revoked' | 'not_found' | 'already_revoked' | 'already_used';

/** Revoke an unused enrollment token (a used one enrolled its host: revoke the host instead). */
export async function revokeEnrollmentToken(db: Database, tokenId: string, actor: AuditActor, now: Date): Promise<RevokeOutcome> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('enrollment_tokens').select(['token_id', 'site', 'role', 'used_at', 'revoked_at']).where('token_id', '=', tokenId).executeTakeFirst();
    if (row === undefined) return 'not_found';
    if (row.revoked_at !== null) return 'already_revoked';
    if (row.used_at !== null) return 'already_used';
    // Conditional: an enrollment that consumed the token meanwhile wins, and nothing is journalled.
    const result = await trx
      .updateTable('enrollment_tokens')
      .set({ revoked_at: toDbTime(now) })
      .where('token_id', '=', tokenId)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return 'already_used';
    await appendAuditEvent(trx, { actor, action: 'enrollment_token.revoked', target: `enrollment_token:${tokenId}`, details: { site: row.site, role: row.role }, at: now });
    return 'revoked';
  });
}

export async function revokeApiTokenById(db: Database, tokenId: string, actor: AuditActor, now: Date): Promise<RevokeOutcome> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('api_tokens').select(['token_id', 'name', 'scope', 'revoked_at']).where('token_id', '=', tokenId).executeTakeFirst();
    if (row === undefined) return 'not_found';
    const result = await trx.updateTable('api_tokens').set({ revoked_at: toDbTime(now) }).where('token_id', '=', tokenId).where('revoked_at', 'is', null).executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return 'already_revoked';
    await appendAuditEvent(trx, { actor, action: 'token.revoked', target: `api_token:${tokenId}`, details: { name: row.name, scope: row.scope }, at: now });
    return 'revoked';
  });
}
