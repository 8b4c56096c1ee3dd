// Waivers (dérogations): a documented, time-boxed exception to one rule for a host, a site, a
// role, or one role at one site (learning mode's scope), signed by an approver. applyWaivers never changes a verdict's status: it adds the
// waiver next to it (WaivedVerdict), so reports show both "fail" and "waived by W-12 until ...".
// - A waiver applies from created_at to expires_at, both inclusive; expired waivers stop applying
//   by themselves (the caller passes `now`). A revoked one stops at revoked_at.
// - Only `fail` and `warn` verdicts are waived: a waiver never hides unknown evidence.
// - Several matching waivers: the most specific scope wins (host > site+role > site > role), then the one
//   that expires last. (site, role) sits between host and site.
import { Type, type Static } from 'typebox';
import { HOST_ROLES, type HostIdentity } from './evidence.js';
import type { Verdict } from './verdict.js';

const strict = { additionalProperties: false } as const;
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });

export const WaiverScopeSchema = Type.Union([
  Type.Object({ host_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }) }, strict),
  Type.Object({ site: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }) }, strict),
  Type.Object({ role: Type.Enum(HOST_ROLES) }, strict),
  Type.Object({ site: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }), role: Type.Enum(HOST_ROLES) }, strict),
]);
export type WaiverScope = Static<typeof WaiverScopeSchema>;

export const WaiverSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
    rule_id: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z]{2,8}-[0-9]{2,3}$' }),
    scope: WaiverScopeSchema,
    justification: Text(2000),
    approver: Text(128),
    created_at: Timestamp,
    expires_at: Timestamp,
    /** Set when someone ended it before its last day: it stops applying at that instant; expires_at keeps the signed end. */
    revoked_at: Type.Optional(Timestamp),
    /** Who revoked it (the user name, or the CLI actor). */
    revoked_by: Type.Optional(Text(200)),
  },
  strict,
);
export type Waiver = Static<typeof WaiverSchema>;

/** The part of a waiver shown next to a verdict. */
export interface AppliedWaiver {
  id: string;
  approver: string;
  justification: string;
  expires_at: string;
  scope: WaiverScope;
}

/** A verdict with its waiver, if any. The original `status` is unchanged. */
export type WaivedVerdict = Verdict & { waived: boolean; waiver: AppliedWaiver | null };

/** True when `now` lies within [created_at, expires_at] and before its revocation, if any. */
export function waiverActive(waiver: Waiver, now: Date): boolean {
  const t = now.getTime();
  if (waiver.revoked_at !== undefined && Date.parse(waiver.revoked_at) <= t) return false;
  return Date.parse(waiver.created_at) <= t && t <= Date.parse(waiver.expires_at);
}

/** 4 for a host scope, 3 for a (site, role), 2 for a site, 1 for a role, 0 when the scope does not cover the host. */
function specificity(scope: WaiverScope, host: Pick<HostIdentity, 'host_id' | 'site' | 'role'>): number {
  if ('host_id' in scope) return scope.host_id === host.host_id ? 4 : 0;
  if ('site' in scope && 'role' in scope) return scope.site === host.site && scope.role === host.role ? 3 : 0;
  if ('site' in scope) return scope.site === host.site ? 2 : 0;
  return scope.role === host.role ? 1 : 0;
}

const WAIVABLE = new Set<Verdict['status']>(['fail', 'warn']);

/** Attaches the best active waiver to each fail/warn verdict of this host. Pure. */
export function applyWaivers(
  verdicts: readonly Verdict[],
  host: Pick<HostIdentity, 'host_id' | 'site' | 'role'>,
  waivers: readonly Waiver[],
  now: Date,
): WaivedVerdict[] {
  const byRule = new Map<string, { waiver: Waiver; rank: number }[]>();
  for (const waiver of waivers) {
    const rank = specificity(waiver.scope, host);
    if (rank === 0 || !waiverActive(waiver, now)) continue;
    const list = byRule.get(waiver.rule_id) ?? [];
    list.push({ waiver, rank });
    byRule.set(waiver.rule_id, list);
  }
  return verdicts.map((verdict) => {
    const candidates = WAIVABLE.has(verdict.status) ? (byRule.get(verdict.rule_id) ?? []) : [];
    const best = [...candidates].sort(
      (a, b) => b.rank - a.rank || Date.parse(b.waiver.expires_at) - Date.parse(a.waiver.expires_at),
    )[0];
    if (!best) return { ...verdict, waived: false, waiver: null };
    const w = best.waiver;
    return {
      ...verdict,
      waived: true,
      waiver: { id: w.id, approver: w.approver, justification: w.justification, expires_at: w.expires_at, scope: w.scope },
    };
  });
}
