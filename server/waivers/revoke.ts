// Revoking a waiver (dérogation): it stops applying now; its row keeps the expiry the approver
// signed and records when and by whom it was revoked; the revocation is journalled in the same
// transaction.
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { formatScope, revokeWaiverRow } from '../db/waivers.js';
import type { Database } from '../db/schema.js';

/** True when the waiver was active and is now revoked; false when no active waiver has this id. */
export async function revokeWaiver(db: Database, id: string, context: { now: Date; actor: AuditActor }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const ended = await revokeWaiverRow(trx, id, context.now, context.actor.id);
    if (ended === undefined) return false;
    await appendAuditEvent(trx, {
      actor: context.actor,
      action: 'waiver.revoked',
      target: `waiver:${id}`,
      details: { rule_id: ended.rule_id, scope: formatScope(ended.scope) },
      at: context.now,
    });
    return true;
  });
}
