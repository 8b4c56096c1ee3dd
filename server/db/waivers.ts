// Waivers (dérogations) as stored: one row per waiver, its scope split into kind + value so it
// can be queried; read back as the policies/waiver.ts `Waiver` the pure logic applies.
import { randomBytes } from 'node:crypto';
import { HOST_ROLES, type HostRole } from '../../policies/evidence.js';
import type { Waiver, WaiverScope } from '../../policies/waiver.js';
import { fromDbTime, isUniqueViolation, toDbTime } from './columns.js';
import type { Selectable } from 'kysely';
import type { Database, WaiversTable } from './schema.js';

export type ScopeKind = 'host' | 'site' | 'role' | 'site-role';

export interface NewWaiver {
  rule_id: string;
  scope: WaiverScope;
  justification: string;
  approver: string;
  created_at: Date;
  expires_at: Date;
}

/** The most waivers read at once: far beyond any real estate, but bounded. */
export const MAX_WAIVERS = 100_000;

export function scopeParts(scope: WaiverScope): { scope_kind: ScopeKind; scope_value: string } {
  if ('host_id' in scope) return { scope_kind: 'host', scope_value: scope.host_id };
  // A site name never holds '/', a role never does either: "site/role" splits back unambiguously.
  if ('site' in scope && 'role' in scope) return { scope_kind: 'site-role', scope_value: `${scope.site}/${scope.role}` };
  if ('site' in scope) return { scope_kind: 'site', scope_value: scope.site };
  return { scope_kind: 'role', scope_value: scope.role };
}

function scopeOf(kind: string, value: string): WaiverScope {
  if (kind === 'host') return { host_id: value };
  if (kind === 'site') return { site: value };
  if (kind === 'role' && (HOST_ROLES as readonly string[]).includes(value)) return { role: value as HostRole };
  if (kind === 'site-role') {
    const [site, role, ...rest] = value.split('/');
    if (site !== undefined && role !== undefined && rest.length === 0 && (HOST_ROLES as readonly string[]).includes(role)) return { site, role: role as HostRole };
  }
  throw new Error(`corrupt waiver scope ${kind}:${value}`);
}

/** "host:ID", "site:S", "role:R" or "site-role:S/R", as the CLI takes and prints it. */
export function formatScope(scope: WaiverScope): string {
  const { scope_kind, scope_value } = scopeParts(scope);
  return `${scope_kind}:${scope_value}`;
}

/** A short, readable id (W-1A2B3C4D); a collision is retried. */
function newWaiverId(): string {
  return `W-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export async function insertWaiver(db: Database, waiver: NewWaiver): Promise<Waiver> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = newWaiverId();
    try {
      await db
        .insertInto('waivers')
        .values({
          waiver_id: id,
          rule_id: waiver.rule_id,
          ...scopeParts(waiver.scope),
          justification: waiver.justification,
          approver: waiver.approver,
          created_at: toDbTime(waiver.created_at),
          expires_at: toDbTime(waiver.expires_at),
        })
        .execute();
      return {
        id,
        rule_id: waiver.rule_id,
        scope: waiver.scope,
        justification: waiver.justification,
        approver: waiver.approver,
        created_at: toDbTime(waiver.created_at),
        expires_at: toDbTime(waiver.expires_at),
      };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error('could not allocate a waiver id');
}

type WaiverRow = Selectable<WaiversTable>;

function waiverOf(r: WaiverRow): Waiver {
  return {
    id: r.waiver_id,
    rule_id: r.rule_id,
    scope: scopeOf(r.scope_kind, r.scope_value),
    justification: r.justification,
    approver: r.approver,
    created_at: fromDbTime(r.created_at),
    expires_at: fromDbTime(r.expires_at),
    ...(r.revoked_at === null ? {} : { revoked_at: fromDbTime(r.revoked_at), revoked_by: r.revoked_by ?? '?' }),
  };
}

/** Every waiver (active or not), latest expiry first. */
export async function listWaivers(db: Database): Promise<Waiver[]> {
  const rows = await db.selectFrom('waivers').selectAll().orderBy('expires_at', 'desc').orderBy('waiver_id').limit(MAX_WAIVERS).execute();
  return rows.map(waiverOf);
}

/** One waiver by id, whatever its state. */
export async function findWaiver(db: Database, id: string): Promise<Waiver | undefined> {
  const row = await db.selectFrom('waivers').selectAll().where('waiver_id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : waiverOf(row);
}

/**
 * Revokes a waiver that still runs (not expired, not already revoked) at `now`, recording who:
 * it stops applying at once, its signed expiry and its row stay as history. Undefined when no
 * waiver with this id is still running. Run it in the transaction that journals the revocation.
 */
export async function revokeWaiverRow(db: Database, id: string, now: Date, by: string): Promise<{ rule_id: string; scope: WaiverScope } | undefined> {
  const row = await db.selectFrom('waivers').select(['rule_id', 'scope_kind', 'scope_value']).where('waiver_id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const result = await db
    .updateTable('waivers')
    .set({ revoked_at: toDbTime(now), revoked_by: by })
    .where('waiver_id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', toDbTime(now))
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  return { rule_id: row.rule_id, scope: scopeOf(row.scope_kind, row.scope_value) };
}
