// "Remove unused entry" proposals (../shared/DESTINATIONS.md: entries unused for 90 days are
// proposed for removal). Each night, an entry of a site's learned allowlist (the file Vigie writes
// on approvals, overlays/allowlists/<site>.learned.yaml) that was approved over UNUSED_DAYS ago
// and allowed no destination seen in the last UNUSED_DAYS becomes a `remove` proposal; approving
// it removes the entry from that file (linted and reloaded, see decide.ts). An entry written by
// hand in an overlay or pack is not Vigie's to rewrite: the page lists it as unused for the RSSI
// to remove by hand. A rejected removal (the entry is kept on purpose) is not proposed again.
import type { Pack, SiteOverlay } from '../../../policies/pack.js';
import { packFor } from '../../../policies/pack.js';
import type { HostRole } from '../../../policies/evidence.js';
import { appendAuditEvent } from '../../auditlog/auditlog.js';
import type { Database } from '../../db/schema.js';
import { entryUse, UNUSED_DAYS } from '../maintenance.js';
import { learnedEntryIds } from './overlay-writer.js';
import { proposalId, type ProposalDraft } from './propose.js';
import { insertProposals } from './store.js';

export const REMOVAL_PROPOSER = 'system:learning';

export interface RemovalContext {
  db: Database;
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
  overlaysDir: string;
  now: Date;
}

/** Drafts of removal proposals, per (site, role) of the entry's first scope with inventory. */
export async function removalDrafts(ctx: RemovalContext): Promise<Array<{ site: string; role: string; draft: ProposalDraft }>> {
  const out: Array<{ site: string; role: string; draft: ProposalDraft }> = [];
  const seen = new Set<string>();
  const learned = new Map<string, Set<string>>();
  for (const use of await entryUse(ctx.db, ctx.packs, ctx.overlays, ctx.now)) {
    if (!use.unused) continue;
    let ids = learned.get(use.site);
    if (ids === undefined) learned.set(use.site, (ids = learnedEntryIds(ctx.overlaysDir, use.site)));
    if (!ids.has(use.entry_id) || seen.has(`${use.site}\u0000${use.entry_id}`)) continue;
    seen.add(`${use.site}\u0000${use.entry_id}`);
    const entry = packFor(use.role as HostRole, use.site, ctx.packs, ctx.overlays).allowlist.find((e) => e.id === use.entry_id);
    if (entry === undefined) continue;
    const match = 'fqdn' in entry.match ? `fqdn:${entry.match.fqdn}` : 'cidr' in entry.match ? `cidr:${entry.match.cidr}` : `url:${entry.match.url_prefix}`;
    const subject = `remove:${entry.id}`;
    out.push({
      site: use.site,
      role: use.role,
      draft: {
        proposal_id: proposalId(use.site, use.role, subject),
        kind: 'remove',
        subject,
        entry,
        evidence: {
          keys: [subject],
          destinations: [match],
          hosts_count: 0,
          days_seen: 0,
          first_seen: entry.approved_at,
          last_seen: use.last_used ?? '',
          sources: [],
          processes: [],
        },
      },
    });
  }
  return out;
}

/** Stores new removal proposals (one audit event per scope that got some); returns how many. */
export async function runRemovalProposals(ctx: RemovalContext): Promise<number> {
  const byScope = new Map<string, { site: string; role: string; drafts: ProposalDraft[] }>();
  for (const { site, role, draft } of await removalDrafts(ctx)) {
    const key = `${site}\u0000${role}`;
    const scope = byScope.get(key) ?? { site, role, drafts: [] };
    scope.drafts.push(draft);
    byScope.set(key, scope);
  }
  let total = 0;
  for (const scope of byScope.values()) {
    total += await ctx.db.transaction().execute(async (trx) => {
      const added = await insertProposals(trx, scope.site, scope.role, scope.drafts, REMOVAL_PROPOSER, ctx.now);
      if (added.length > 0) {
        await appendAuditEvent(trx, {
          actor: { type: 'system', id: REMOVAL_PROPOSER },
          action: 'learning.proposed',
          target: `site-role:${scope.site}/${scope.role}`,
          details: { site: scope.site, role: scope.role, removals: added.length, unused_days: UNUSED_DAYS, ids: added.slice(0, 50).map((d) => d.proposal_id) },
          at: ctx.now,
        });
      }
      return added.length;
    });
  }
  return total;
}
