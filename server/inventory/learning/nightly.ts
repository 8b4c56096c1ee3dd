// The nightly proposal run: for every (site, role) in learning, read its inventory, propose what
// was seen on enough days and is not yet allowed or proposed, store the proposals and record one
// audit event per scope that got new ones. Proposals are made by the system, never by a person,
// so the person who approves is never the proposer.
import { HOST_ROLES, type HostRole } from '../../../policies/evidence.js';
import { appendAuditEvent } from '../../auditlog/auditlog.js';
import type { Database } from '../../db/schema.js';
import { allInventoryRows } from '../query.js';
import { proposeDestinations, type ObservedDestination } from './propose.js';
import { insertProposals, listLearningScopes, proposedKeys } from './store.js';

/** Who proposes: the learning job. */
export const LEARNING_PROPOSER = 'system:learning';
/** Most inventory rows read for one scope (far beyond a real role's destinations, but bounded). */
export const MAX_SCOPE_ROWS = 200_000;

export interface ProposalRun {
  scopes: number;
  proposed: number;
}

export async function runLearningProposals(db: Database, now: Date, site?: string): Promise<ProposalRun> {
  const result: ProposalRun = { scopes: 0, proposed: 0 };
  for (const scope of await listLearningScopes(db, now, site)) {
    if (!scope.active || !(HOST_ROLES as readonly string[]).includes(scope.role)) continue;
    result.scopes += 1;
    const rows: ObservedDestination[] = [];
    for await (const row of allInventoryRows(db, { site: scope.site, role: scope.role })) {
      rows.push(row);
      if (rows.length >= MAX_SCOPE_ROWS) break;
    }
    const hosts = await db.selectFrom('hosts').select(db.fn.countAll<number>().as('n')).where('site', '=', scope.site).where('role', '=', scope.role).where('revoked_at', 'is', null).executeTakeFirst();
    const drafts = proposeDestinations(rows, {
      site: scope.site,
      role: scope.role as HostRole,
      roleHosts: Number(hosts?.n ?? 0),
      owner: scope.opened_by,
      now,
      alreadyProposed: await proposedKeys(db, scope.site, scope.role),
    });
    const inserted = await db.transaction().execute(async (trx) => {
      const added = await insertProposals(trx, scope.site, scope.role, drafts, LEARNING_PROPOSER, now);
      if (added.length > 0) {
        await appendAuditEvent(trx, {
          actor: { type: 'system', id: LEARNING_PROPOSER },
          action: 'learning.proposed',
          target: `learning:${scope.scope_id}`,
          details: { site: scope.site, role: scope.role, proposals: added.length, ids: added.slice(0, 50).map((d) => d.proposal_id) },
          at: now,
        });
      }
      return added.length;
    });
    result.proposed += inserted;
  }
  return result;
}
