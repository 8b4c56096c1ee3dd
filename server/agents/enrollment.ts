// Enrolling an agent: a valid one-time token becomes a host and a credential, atomically.
import type { HostIdentity } from '../../policies/evidence.js';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { ensureSite, insertHost } from '../db/hosts.js';
import type { Database } from '../db/schema.js';
import { checkEnrollmentToken, markEnrollmentTokenUsed } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import { formatCredential, hashSecret, newHostId, newSecret } from '../secrets/secrets.js';

export interface EnrollmentRequest {
  token: string;
  hostname: string;
  os: HostIdentity['os'];
  agent_version: string;
}

export interface EnrollmentResult {
  host_id: string;
  /** `<host_id>.<secret>`: shown once, stored only as a digest. */
  credential: string;
  site: string;
  role: HostIdentity['role'];
}

const REFUSALS = {
  token_invalid: [401, 'The enrollment token is unknown or malformed.'],
  token_expired: [401, 'The enrollment token has expired; ask for a new one.'],
  token_already_used: [409, 'The enrollment token was already used; each token enrolls one host.'],
  token_revoked: [401, 'The enrollment token was revoked; ask for a new one.'],
} as const;

/**
 * Check the token, create the host and consume the token in one transaction: on any refusal
 * nothing is written.
 */
export async function enrollHost(db: Database, request: EnrollmentRequest, now: Date): Promise<EnrollmentResult> {
  const hostId = newHostId();
  const secret = newSecret();
  return db.transaction().execute(async (trx) => {
    const check = await checkEnrollmentToken(trx, request.token, now);
    if (!check.ok) {
      const [status, message] = REFUSALS[check.reason];
      throw new ApiError(status, check.reason, message);
    }
    await ensureSite(trx, check.site, now);
    await insertHost(trx, {
      host_id: hostId,
      hostname: request.hostname,
      os: request.os,
      role: check.role,
      site: check.site,
      agent_version: request.agent_version,
      credential_hash: hashSecret(secret),
      enrolled_at: now,
    });
    // A concurrent enrollment with the same token may have consumed it since the check.
    if (!(await markEnrollmentTokenUsed(trx, check.token_id, hostId, now))) {
      const [status, message] = REFUSALS.token_already_used;
      throw new ApiError(status, 'token_already_used', message);
    }
    await appendAuditEvent(trx, {
      actor: { type: 'agent', id: hostId },
      action: 'host.enrolled',
      target: `host:${hostId}`,
      details: { hostname: request.hostname, site: check.site, role: check.role, enrollment_token_id: check.token_id },
      at: now,
    });
    return { host_id: hostId, credential: formatCredential(hostId, secret), site: check.site, role: check.role };
  });
}
