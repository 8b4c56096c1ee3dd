// A bulk waiver: one rule waived for a list of hosts chosen by a filter (the dashboard's hosts
// page), as one waiver per host so that each stays exactly scoped to a host the filter selected
// and expires or is revoked on its own. The whole batch commits or rolls back as one, with a
// summary entry in the audit log and each waiver's own `waiver.created` entry pointing to it.
import type { Pack } from '../../policies/pack.js';
import type { Waiver } from '../../policies/waiver.js';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import type { Database } from '../db/schema.js';
import { formatScope, insertWaiver } from '../db/waivers.js';
import { checkWaiverFields, WaiverInputError } from './create.js';

/**
 * The most hosts one bulk waiver may touch. Beyond it the exception is a site or role waiver's
 * job (one waiver, one decision to revisit), not thousands of host waivers.
 */
export const MAX_BULK_WAIVER_HOSTS = 500;

export interface BulkWaiverRequest {
  rule: string;
  hostIds: readonly string[];
  justification: string;
  approver: string;
  /** YYYY-MM-DD, inclusive. */
  expires: string;
  /** The selection as the user saw it (the filter's query string), for the journal. */
  selection: string;
}

export interface BulkWaiverResult {
  /** The summary entry's sequence number in the audit log. */
  auditSeq: number;
  waivers: Waiver[];
}

export async function createHostWaivers(
  db: Database,
  request: BulkWaiverRequest,
  context: { packs: Map<string, Pack>; now: Date; timeZone: string; actor: AuditActor; maxHosts?: number },
): Promise<BulkWaiverResult> {
  const { justification, approver, expiresAt } = checkWaiverFields(request, context);
  const hostIds = [...new Set(request.hostIds)];
  if (hostIds.length === 0) throw new WaiverInputError('no host selected');
  const max = context.maxHosts ?? MAX_BULK_WAIVER_HOSTS;
  if (hostIds.length > max) throw new WaiverInputError(`${hostIds.length} hosts selected: at most ${max} per bulk waiver (use a site or role waiver)`);
  return db.transaction().execute(async (trx) => {
    const summary = await appendAuditEvent(trx, {
      actor: context.actor,
      action: 'waiver.bulk_created',
      target: `rule:${request.rule}`,
      details: { rule_id: request.rule, selection: request.selection.slice(0, 1000), hosts: hostIds.length, approver, expires_at: expiresAt.toISOString(), justification },
      at: context.now,
    });
    const waivers: Waiver[] = [];
    for (const host_id of hostIds) {
      const waiver = await insertWaiver(trx, { rule_id: request.rule, scope: { host_id }, justification, approver, created_at: context.now, expires_at: expiresAt });
      await appendAuditEvent(trx, {
        actor: context.actor,
        action: 'waiver.created',
        target: `waiver:${waiver.id}`,
        details: { rule_id: waiver.rule_id, scope: formatScope(waiver.scope), approver, expires_at: waiver.expires_at, bulk_seq: summary.seq },
        at: context.now,
      });
      waivers.push(waiver);
    }
    return { auditSeq: summary.seq, waivers };
  });
}
