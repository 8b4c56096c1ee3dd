// A person decides a proposal. Approval: purpose, owner, ticket and expiry are the approver's (the
// proposer never approves its own proposal); the entry is linted, written to the site overlay's
// learned allowlist with the proposal id as provenance, the overlay reloaded in this server and
// the site's inventory judged again, so the next report's NET-01 verdict uses it. Rejection keeps
// the reason, and the destination is not proposed again. Both are audit events; the status change
// and the audit event commit together, and a failed file write rolls the decision back.
import { join } from 'node:path';
import type { AllowlistEntry } from '../../../policies/allowlist.js';
import type { Pack, SiteOverlay } from '../../../policies/pack.js';
import { endOfDayIn } from '../../waivers/create.js';
import { appendAuditEvent, type AuditActor } from '../../auditlog/auditlog.js';
import type { Database } from '../../db/schema.js';
import { rejudgeInventory } from '../maintenance.js';
import { inventoryJudge } from '../verdict.js';
import { DEFAULT_ENTRY_DAYS, entryLints } from './propose.js';
import { OverlayWriteError, removeLearnedEntry, writeLearnedEntry } from './overlay-writer.js';
import { LearningInputError } from './scopes.js';
import { decideProposal, findProposal, type Proposal } from './store.js';

const DAY_MS = 86_400_000;
/** Lint's limit (policies/lint.ts MAX_APPROVAL_DAYS). */
export const MAX_ENTRY_DAYS = 365;

export interface DecisionContext {
  db: Database;
  packs: Map<string, Pack>;
  /** The server's overlays: the approved site's overlay is replaced in place (a Map), so every reader sees it. */
  overlays: ReadonlyMap<string, SiteOverlay>;
  dataDir: string;
  timeZone: string;
  now: Date;
}

export interface Approval {
  purpose: string;
  owner: string;
  ticket: string;
  /** Last day of the entry (YYYY-MM-DD, inclusive, audit time zone); default DEFAULT_ENTRY_DAYS ahead. */
  expires?: string | undefined;
  /** The person approving. */
  by: string;
  actor: AuditActor;
}

async function pendingProposal(db: Database, proposalId: string, by: string, verb: string): Promise<Proposal> {
  const proposal = await findProposal(db, proposalId);
  if (proposal === undefined) throw new LearningInputError(`no proposal ${proposalId}`, 404);
  if (proposal.status !== 'pending') throw new LearningInputError(`proposal ${proposalId} is already ${proposal.status}`, 409);
  if (verb === 'approve' && proposal.proposed_by === by) throw new LearningInputError(`${by} proposed ${proposalId}: another person approves it`, 409);
  return proposal;
}

export async function approveProposal(ctx: DecisionContext, proposalId: string, approval: Approval): Promise<{ proposal: Proposal; entry: AllowlistEntry; file: string }> {
  const proposal = await pendingProposal(ctx.db, proposalId, approval.by, 'approve');
  if (proposal.kind === 'via-proxy') {
    throw new LearningInputError(`proposal ${proposalId} is advice: route this browser flow through the proxy, then reject it with that reason`, 409);
  }
  if (proposal.kind === 'remove') return approveRemoval(ctx, proposal, approval);
  const purpose = approval.purpose.trim();
  const owner = approval.owner.trim();
  const ticket = approval.ticket.trim();
  if (purpose.length < 10 || purpose.length > 500) throw new LearningInputError('purpose: say what the flow is for, in 10 to 500 characters');
  if (owner.length < 1 || owner.length > 128) throw new LearningInputError('owner: 1 to 128 characters');
  if (!/^[\p{L}\p{N} ._:#/-]{1,128}$/u.test(ticket)) throw new LearningInputError('ticket: 1 to 128 letters, digits, spaces or ._:#/-');
  let expires: Date;
  try {
    expires = approval.expires === undefined ? new Date(ctx.now.getTime() + DEFAULT_ENTRY_DAYS * DAY_MS) : endOfDayIn(approval.expires, ctx.timeZone);
  } catch (error) {
    throw new LearningInputError((error as Error).message);
  }
  if (expires.getTime() <= ctx.now.getTime()) throw new LearningInputError(`expiry ${approval.expires ?? ''} is already past`);
  if (expires.getTime() - ctx.now.getTime() > MAX_ENTRY_DAYS * DAY_MS) throw new LearningInputError(`an allowlist entry lasts at most ${MAX_ENTRY_DAYS} days`);
  const entry: AllowlistEntry = { ...proposal.entry, purpose, owner, ticket, approved_at: ctx.now.toISOString(), expires_at: expires.toISOString() };
  if (!entryLints(entry)) throw new LearningInputError('the entry would not pass lint');

  const overlaysDir = join(ctx.dataDir, 'overlays');
  const note = `proposal ${proposal.proposal_id} (learning ${proposal.site}/${proposal.role}), approved by ${approval.by} on ${ctx.now.toISOString().slice(0, 10)}`;
  const written = await ctx.db.transaction().execute(async (trx) => {
    if (!(await decideProposal(trx, proposalId, 'approved', approval.by, { entry_id: entry.id, ticket, owner, expires_at: entry.expires_at }, ctx.now))) {
      throw new LearningInputError(`proposal ${proposalId} was decided meanwhile`, 409);
    }
    let result;
    try {
      result = await writeLearnedEntry(overlaysDir, proposal.site, entry, ctx.packs, note);
    } catch (error) {
      if (error instanceof OverlayWriteError) throw new LearningInputError(error.message, 409);
      throw error;
    }
    await appendAuditEvent(trx, {
      actor: approval.actor,
      action: 'proposal.approved',
      target: `proposal:${proposalId}`,
      details: {
        site: proposal.site,
        role: proposal.role,
        entry_id: entry.id,
        match: 'fqdn' in entry.match ? entry.match.fqdn : 'cidr' in entry.match ? entry.match.cidr : entry.match.url_prefix,
        ports: entry.ports,
        proto: entry.proto,
        hosts: entry.hosts ?? null,
        owner,
        ticket,
        expires_at: entry.expires_at,
        file: result.allowlistFile,
        overlay_version: result.overlay.version,
      },
      at: ctx.now,
    });
    return result;
  });
  if (ctx.overlays instanceof Map) (ctx.overlays as Map<string, SiteOverlay>).set(proposal.site, written.overlay);
  await rejudgeInventory(ctx.db, inventoryJudge(ctx.packs, ctx.overlays, ctx.now), proposal.site);
  const decided = await findProposal(ctx.db, proposalId);
  return { proposal: decided ?? proposal, entry, file: written.allowlistFile };
}

/** An approved removal: the entry leaves the site's learned allowlist (linted, reloaded, judged again). */
async function approveRemoval(ctx: DecisionContext, proposal: Proposal, approval: Approval): Promise<{ proposal: Proposal; entry: AllowlistEntry; file: string }> {
  const ticket = approval.ticket.trim();
  if (!/^[\p{L}\p{N} ._:#/-]{1,128}$/u.test(ticket)) throw new LearningInputError('ticket: 1 to 128 letters, digits, spaces or ._:#/-');
  const proposalId = proposal.proposal_id;
  const entry = proposal.entry;
  const written = await ctx.db.transaction().execute(async (trx) => {
    if (!(await decideProposal(trx, proposalId, 'approved', approval.by, { removed_entry_id: entry.id, ticket }, ctx.now))) {
      throw new LearningInputError(`proposal ${proposalId} was decided meanwhile`, 409);
    }
    let result;
    try {
      result = await removeLearnedEntry(join(ctx.dataDir, 'overlays'), proposal.site, entry.id, ctx.packs);
    } catch (error) {
      if (error instanceof OverlayWriteError) throw new LearningInputError(error.message, 409);
      throw error;
    }
    await appendAuditEvent(trx, {
      actor: approval.actor,
      action: 'proposal.approved',
      target: `proposal:${proposalId}`,
      details: { site: proposal.site, role: proposal.role, removed_entry_id: entry.id, ticket, file: result.allowlistFile, overlay_version: result.overlay.version },
      at: ctx.now,
    });
    return result;
  });
  if (ctx.overlays instanceof Map) (ctx.overlays as Map<string, SiteOverlay>).set(proposal.site, written.overlay);
  await rejudgeInventory(ctx.db, inventoryJudge(ctx.packs, ctx.overlays, ctx.now), proposal.site);
  const decided = await findProposal(ctx.db, proposalId);
  return { proposal: decided ?? proposal, entry, file: written.allowlistFile };
}

export async function rejectProposal(db: Database, proposalId: string, reason: string, by: string, actor: AuditActor, now: Date): Promise<Proposal> {
  const proposal = await pendingProposal(db, proposalId, by, 'reject');
  const text = reason.trim();
  if (text.length < 10 || text.length > 1000) throw new LearningInputError('reason: say why, in 10 to 1000 characters');
  await db.transaction().execute(async (trx) => {
    if (!(await decideProposal(trx, proposalId, 'rejected', by, { reason: text }, now))) throw new LearningInputError(`proposal ${proposalId} was decided meanwhile`, 409);
    await appendAuditEvent(trx, { actor, action: 'proposal.rejected', target: `proposal:${proposalId}`, details: { site: proposal.site, role: proposal.role, subject: proposal.subject, reason: text }, at: now });
  });
  return (await findProposal(db, proposalId)) ?? proposal;
}
