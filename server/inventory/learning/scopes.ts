// Opening and closing learning for one (site, role). Opening is a NET-01 waiver on that scope,
// signed by the RSSI who opens it, so verdicts still say `fail` and show "waived: learning until
// ..."; closing ends the waiver at once. Both are audit events, written in the same transaction.
import { HOST_ROLES, type HostRole } from '../../../policies/evidence.js';
import { appendAuditEvent, type AuditActor } from '../../auditlog/auditlog.js';
import { endOfDayIn } from '../../waivers/create.js';
import { toDbTime } from '../../db/columns.js';
import type { Database } from '../../db/schema.js';
import { insertWaiver } from '../../db/waivers.js';
import { findLearningScope, newScopeId, scopeOfRow, type LearningScope } from './store.js';

/** The shortest learning period (a fortnight catches weekly jobs); 30 days catch monthly ones. */
export const MIN_LEARNING_DAYS = 14;
/** Learning is a waiver: it is time-boxed. */
export const MAX_LEARNING_DAYS = 92;
const DAY_MS = 86_400_000;

export class LearningInputError extends Error {
  override name = 'LearningInputError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

export interface OpenLearning {
  site: string;
  role: string;
  /** Last day of learning (inclusive), YYYY-MM-DD in `timeZone`. */
  until: string;
  /** The person who opens it (signs the waiver). */
  by: string;
  actor: AuditActor;
  now: Date;
  timeZone: string;
}

export async function openLearning(db: Database, input: OpenLearning): Promise<LearningScope> {
  if (!(HOST_ROLES as readonly string[]).includes(input.role)) throw new LearningInputError(`role must be one of ${HOST_ROLES.join(', ')}`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.site)) throw new LearningInputError('site: letters, digits, dot, underscore, hyphen (1 to 64)');
  let ends: Date;
  try {
    ends = endOfDayIn(input.until, input.timeZone);
  } catch (error) {
    throw new LearningInputError((error as Error).message);
  }
  const days = (ends.getTime() - input.now.getTime()) / DAY_MS;
  if (days < MIN_LEARNING_DAYS - 1) throw new LearningInputError(`learning lasts at least ${MIN_LEARNING_DAYS} days (30 where monthly jobs run): ${input.until} is too soon`);
  if (days > MAX_LEARNING_DAYS) throw new LearningInputError(`learning is time-boxed: at most ${MAX_LEARNING_DAYS} days ahead`);
  const role = input.role as HostRole;
  return db.transaction().execute(async (trx) => {
    const open = await trx
      .selectFrom('learning_scopes')
      .select('scope_id')
      .where('site', '=', input.site)
      .where('role', '=', role)
      .where('closed_at', 'is', null)
      .where('ends_at', '>', toDbTime(input.now))
      .executeTakeFirst();
    if (open !== undefined) throw new LearningInputError(`learning is already open for ${input.site}/${role} (${open.scope_id}); close it first`, 409);
    const waiver = await insertWaiver(trx, {
      rule_id: 'NET-01',
      scope: { site: input.site, role },
      justification: `Learning mode for ${input.site}/${role} until ${input.until}: unlisted destinations are observed to propose allowlist entries.`,
      approver: input.by,
      created_at: input.now,
      expires_at: ends,
    });
    const row = { scope_id: newScopeId(), site: input.site, role, opened_by: input.by, opened_at: toDbTime(input.now), ends_at: toDbTime(ends), closed_at: null, closed_by: null, waiver_id: waiver.id };
    await trx.insertInto('learning_scopes').values(row).execute();
    await appendAuditEvent(trx, {
      actor: input.actor,
      action: 'learning.opened',
      target: `learning:${row.scope_id}`,
      details: { site: input.site, role, ends_at: row.ends_at, waiver_id: waiver.id, opened_by: input.by },
      at: input.now,
    });
    return scopeOfRow(row, input.now);
  });
}

export async function closeLearning(db: Database, scopeId: string, by: string, actor: AuditActor, now: Date): Promise<LearningScope> {
  return db.transaction().execute(async (trx) => {
    const scope = await findLearningScope(trx, scopeId, now);
    if (scope === undefined) throw new LearningInputError(`no learning scope ${scopeId}`, 404);
    if (!scope.active) throw new LearningInputError(`learning ${scopeId} is already closed or over`, 409);
    const at = toDbTime(now);
    await trx.updateTable('learning_scopes').set({ closed_at: at, closed_by: by }).where('scope_id', '=', scopeId).execute();
    // The waiver's window is inclusive: ending it just before now stops it applying now.
    await trx.updateTable('waivers').set({ expires_at: toDbTime(new Date(now.getTime() - 1)) }).where('waiver_id', '=', scope.waiver_id).execute();
    await appendAuditEvent(trx, { actor, action: 'learning.closed', target: `learning:${scopeId}`, details: { site: scope.site, role: scope.role, waiver_id: scope.waiver_id, closed_by: by }, at: now });
    return { ...scope, closed_at: at, closed_by: by, active: false };
  });
}
