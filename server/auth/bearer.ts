// Bearer authentication of agents (host credential) and of automation (API token).
import type { FastifyRequest } from 'fastify';
import { findHostWithCredential, type HostRecord } from '../db/hosts.js';
import type { Database } from '../db/schema.js';
import { authenticateApiToken, type ApiTokenRecord, type ApiTokenScope } from './tokens.js';
import { ApiError } from '../errors.js';
import { MAX_PRESENTED_SECRET_LENGTH, parseCredential, secretMatches } from '../secrets/secrets.js';

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_PRESENTED_SECRET_LENGTH + 16) return null;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match?.[1] ?? null;
}

function unauthenticated(what: string): ApiError {
  return new ApiError(401, 'unauthenticated', `A valid ${what} is required (Authorization: Bearer ...).`);
}

/** The enrolled, unrevoked host whose credential the request presents. */
export async function authenticateAgent(db: Database, request: FastifyRequest): Promise<HostRecord> {
  const presented = bearerToken(request);
  const parsed = presented === null ? null : parseCredential(presented);
  if (parsed === null) throw unauthenticated('agent credential');
  const found = await findHostWithCredential(db, parsed.id);
  if (found === undefined || !secretMatches(parsed.secret, found.credential_hash)) {
    throw unauthenticated('agent credential');
  }
  if (found.host.revoked_at !== null) {
    throw new ApiError(403, 'host_revoked', 'This host has been revoked; it must be enrolled again.');
  }
  return found.host;
}

/** The API token the request presents, if genuine, unexpired, unrevoked and of the given scope. */
export async function authenticateAutomation(
  db: Database,
  request: FastifyRequest,
  scope: ApiTokenScope,
  now: Date,
): Promise<ApiTokenRecord> {
  const presented = bearerToken(request);
  const token = presented === null ? null : await authenticateApiToken(db, presented, now);
  if (token === null) throw unauthenticated('API token');
  if (token.scope !== scope) {
    throw new ApiError(403, 'insufficient_scope', `This API token lacks the "${scope}" scope.`);
  }
  return token;
}
