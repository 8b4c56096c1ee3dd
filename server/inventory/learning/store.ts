// Learning scopes and proposals as stored (migration 0013: learning_scopes, destination_proposals).
import { randomBytes } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { AllowlistEntrySchema, type AllowlistEntry } from '../../../policies/allowlist.js';
import { fromDbJson, fromDbTime, fromDbTimeOrNull, toDbJson, toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';
import type { ProposalDraft, ProposalEvidence } from './propose.js';

const strict = { additionalProperties: false } as const;

export const LearningScopeSchema = Type.Object(
  {
    scope_id: Type.String(),
    site: Type.String(),
    role: Type.String(),
    opened_by: Type.String(),
    opened_at: Type.String(),
    ends_at: Type.String(),
    closed_at: Type.Union([Type.String(), Type.Null()]),
    closed_by: Type.Union([Type.String(), Type.Null()]),
    waiver_id: Type.String(),
    /** Open now: not closed and before its end. */
    active: Type.Boolean(),
  },
  strict,
);
export type LearningScope = Static<typeof LearningScopeSchema>;

export const PROPOSAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export const ProposalSchema = Type.Object(
  {
    proposal_id: Type.String(),
    site: Type.String(),
    role: Type.String(),
    kind: Type.Union([Type.Literal('allow'), Type.Literal('via-proxy'), Type.Literal('remove')]),
    subject: Type.String(),
    entry: AllowlistEntrySchema,
    evidence: Type.Object(
      {
        keys: Type.Array(Type.String()),
        destinations: Type.Array(Type.String()),
        hosts_count: Type.Integer(),
        days_seen: Type.Integer(),
        first_seen: Type.String(),
        last_seen: Type.String(),
        sources: Type.Array(Type.String()),
        processes: Type.Array(Type.String()),
      },
      strict,
    ),
    status: Type.Enum(PROPOSAL_STATUSES),
    proposed_at: Type.String(),
    proposed_by: Type.String(),
    decided_at: Type.Union([Type.String(), Type.Null()]),
    decided_by: Type.Union([Type.String(), Type.Null()]),
    /** Approval: the entry as written and the file; rejection: the reason. */
    decision: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  },
  strict,
);
export type Proposal = Static<typeof ProposalSchema>;

type ScopeRow = { scope_id: string; site: string; role: string; opened_by: string; opened_at: string | Date; ends_at: string | Date; closed_at: string | Date | null; closed_by: string | null; waiver_id: string };

export function scopeOfRow(r: ScopeRow, now: Date): LearningScope {
  const ends = fromDbTime(r.ends_at);
  return {
    scope_id: r.scope_id,
    site: r.site,
    role: r.role,
    opened_by: r.opened_by,
    opened_at: fromDbTime(r.opened_at),
    ends_at: ends,
    closed_at: fromDbTimeOrNull(r.closed_at),
    closed_by: r.closed_by,
    waiver_id: r.waiver_id,
    active: r.closed_at === null && Date.parse(ends) > now.getTime(),
  };
}

export const newScopeId = () => `L-${randomBytes(4).toString('hex').toUpperCase()}`;

export async function listLearningScopes(db: Database, now: Date, site?: string): Promise<LearningScope[]> {
  let q = db.selectFrom('learning_scopes').selectAll().orderBy('opened_at', 'desc').orderBy('scope_id').limit(1000);
  if (site !== undefined) q = q.where('site', '=', site);
  return (await q.execute()).map((r) => scopeOfRow(r, now));
}

export async function findLearningScope(db: Database, scopeId: string, now: Date): Promise<LearningScope | undefined> {
  const row = await db.selectFrom('learning_scopes').selectAll().where('scope_id', '=', scopeId).executeTakeFirst();
  return row === undefined ? undefined : scopeOfRow(row, now);
}

type ProposalRow = {
  proposal_id: string; site: string; role: string; kind: string; subject: string; entry: unknown; evidence: unknown; status: string;
  proposed_at: string | Date; proposed_by: string; decided_at: string | Date | null; decided_by: string | null; decision: unknown;
};

export function proposalOfRow(r: ProposalRow): Proposal {
  return {
    proposal_id: r.proposal_id,
    site: r.site,
    role: r.role,
    kind: r.kind === 'via-proxy' || r.kind === 'remove' ? r.kind : 'allow',
    subject: r.subject,
    entry: fromDbJson(r.entry) as AllowlistEntry,
    evidence: fromDbJson(r.evidence) as ProposalEvidence,
    status: (PROPOSAL_STATUSES as readonly string[]).includes(r.status) ? (r.status as ProposalStatus) : 'pending',
    proposed_at: fromDbTime(r.proposed_at),
    proposed_by: r.proposed_by,
    decided_at: fromDbTimeOrNull(r.decided_at),
    decided_by: r.decided_by,
    decision: r.decision === null || r.decision === undefined ? null : (fromDbJson(r.decision) as Record<string, unknown>),
  };
}

export interface ProposalFilter {
  site?: string | undefined;
  role?: string | undefined;
  status?: ProposalStatus | undefined;
}

export async function listProposals(db: Database, filter: ProposalFilter, limit = 500): Promise<Proposal[]> {
  let q = db.selectFrom('destination_proposals').selectAll().orderBy('proposed_at', 'desc').orderBy('proposal_id').limit(limit);
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.role !== undefined) q = q.where('role', '=', filter.role);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  return (await q.execute()).map(proposalOfRow);
}

export async function findProposal(db: Database, proposalId: string): Promise<Proposal | undefined> {
  const row = await db.selectFrom('destination_proposals').selectAll().where('proposal_id', '=', proposalId).executeTakeFirst();
  return row === undefined ? undefined : proposalOfRow(row);
}

/** Observation keys of a scope's pending and rejected proposals: not proposed again. */
export async function proposedKeys(db: Database, site: string, role: string): Promise<Set<string>> {
  const rows = await db.selectFrom('destination_proposals').select(['evidence', 'proposal_id']).where('site', '=', site).where('role', '=', role).where('status', 'in', ['pending', 'rejected']).execute();
  const keys = new Set<string>();
  for (const r of rows) for (const k of (fromDbJson(r.evidence) as ProposalEvidence).keys) keys.add(k);
  return keys;
}

/** Inserts drafts whose id is not stored yet (an id is a hash of scope and subject); returns those inserted. */
export async function insertProposals(db: Database, site: string, role: string, drafts: readonly ProposalDraft[], proposedBy: string, now: Date): Promise<ProposalDraft[]> {
  const inserted: ProposalDraft[] = [];
  for (const d of drafts) {
    const exists = await db.selectFrom('destination_proposals').select('proposal_id').where('proposal_id', '=', d.proposal_id).executeTakeFirst();
    if (exists !== undefined) continue;
    await db
      .insertInto('destination_proposals')
      .values({
        proposal_id: d.proposal_id,
        site,
        role,
        kind: d.kind,
        subject: d.subject,
        entry: toDbJson(d.entry),
        evidence: toDbJson(d.evidence),
        status: 'pending',
        proposed_at: toDbTime(now),
        proposed_by: proposedBy,
        decided_at: null,
        decided_by: null,
        decision: null,
      })
      .execute();
    inserted.push(d);
  }
  return inserted;
}

/** Moves a pending proposal to approved/rejected; false when it was no longer pending (decided by someone else). */
export async function decideProposal(db: Database, proposalId: string, status: 'approved' | 'rejected', by: string, decision: Record<string, unknown>, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('destination_proposals')
    .set({ status, decided_by: by, decided_at: toDbTime(now), decision: toDbJson(decision) })
    .where('proposal_id', '=', proposalId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
