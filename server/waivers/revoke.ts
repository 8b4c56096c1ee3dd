// Revoking a waiver (dérogation): it stops applying now; its row keeps the expiry the approver
// signed and records when and by whom it was revoked; the revocation (with the reason given, if
// any) is journalled in the same transaction. One path for the Dérogations page, the API and the
// CLI, so each refuses the same things with the same words.
import type { Waiver } from '../../policies/waiver.js';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { findWaiver, formatScope, revokeWaiverRow } from '../db/waivers.js';
import type { Database } from '../db/schema.js';

export type WaiverRevokeRefusal = 'waiver_not_found' | 'waiver_already_revoked' | 'waiver_expired' | 'invalid_reason';

/** A revocation refused; the message says why, as shown to the RSSI. Nothing was written. */
export class WaiverRevokeError extends Error {
  constructor(
    message: string,
    readonly code: WaiverRevokeRefusal,
  ) {
    super(message);
    this.name = 'WaiverRevokeError';
  }
}

/** Bounded so the audit entry (8 KiB of details at most) holds it whatever the script. */
export const REVOKE_REASON_LENGTH = { min: 10, max: 1000 } as const;

export interface RevokeContext {
  now: Date;
  actor: AuditActor;
  /** Why it ends early: required by the API and the CLI, written to the audit log. */
  reason?: string;
}

/** Revokes a waiver that still runs (active or pending) and returns it as now stored. */
export async function revokeWaiver(db: Database, id: string, context: RevokeContext): Promise<Waiver> {
  const reason = context.reason?.trim();
  if (reason !== undefined && (reason.length < REVOKE_REASON_LENGTH.min || reason.length > REVOKE_REASON_LENGTH.max)) {
    throw new WaiverRevokeError(`reason: say why, in ${REVOKE_REASON_LENGTH.min} to ${REVOKE_REASON_LENGTH.max} characters`, 'invalid_reason');
  }
  return db.transaction().execute(async (trx) => {
    const ended = await revokeWaiverRow(trx, id, context.now, context.actor.id);
    if (ended === undefined) throw refusal(id, await findWaiver(trx, id), context.now);
    await appendAuditEvent(trx, {
      actor: context.actor,
      action: 'waiver.revoked',
      target: `waiver:${id}`,
      details: { rule_id: ended.rule_id, scope: formatScope(ended.scope), ...(reason === undefined ? {} : { reason }) },
      at: context.now,
    });
    const revoked = await findWaiver(trx, id);
    if (revoked === undefined) throw new Error(`waiver ${id} vanished while being revoked`);
    return revoked;
  });
}

/** Why a waiver that did not end could not be ended. */
function refusal(id: string, waiver: Waiver | undefined, now: Date): WaiverRevokeError {
  if (waiver === undefined) return new WaiverRevokeError(`no waiver ${id}`, 'waiver_not_found');
  if (waiver.revoked_at !== undefined) {
    return new WaiverRevokeError(`waiver ${id} was already revoked on ${waiver.revoked_at} by ${waiver.revoked_by ?? '?'}`, 'waiver_already_revoked');
  }
  if (Date.parse(waiver.expires_at) <= now.getTime()) {
    return new WaiverRevokeError(`waiver ${id} expired on ${waiver.expires_at}: it no longer applies, there is nothing to revoke`, 'waiver_expired');
  }
  // revokeWaiverRow ends every waiver that is neither revoked nor expired: not reached.
  throw new Error(`waiver ${id} could not be revoked`);
}

/** The HTTP status of each refusal: unknown id 404, a waiver already over 409, bad input 400. */
export function revokeRefusalStatus(code: WaiverRevokeRefusal): 400 | 404 | 409 {
  return code === 'waiver_not_found' ? 404 : code === 'invalid_reason' ? 400 : 409;
}
