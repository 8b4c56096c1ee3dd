// Creating a waiver (dérogation): checked input, stored with its audit-log entry in one transaction.
// The expiry is a calendar date: the waiver holds until the end of that day in the audit's time zone.
import { HOST_ROLES, type HostRole } from '../../policies/evidence.js';
import type { Pack } from '../../policies/pack.js';
import type { Waiver, WaiverScope } from '../../policies/waiver.js';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { findHost, siteExists } from '../db/hosts.js';
import type { Database } from '../db/schema.js';
import { formatScope, insertWaiver } from '../db/waivers.js';

/** A waiver is time-boxed: at most this far ahead. */
export const MAX_WAIVER_DAYS = 3 * 366;
const DAY_MS = 86_400_000;

export class WaiverInputError extends Error {
  override name = 'WaiverInputError';
}

/** "host:ID", "site:S", "role:R" or "site-role:S/R". */
export function parseScope(text: string): WaiverScope {
  const match = /^(host|site-role|site|role):(.+)$/.exec(text);
  if (match === null) throw new WaiverInputError(`scope "${text}": expected host:ID, site:SITE, role:ROLE or site-role:SITE/ROLE`);
  const [, kind, value] = match as unknown as [string, string, string];
  if (kind === 'site-role') {
    const [site = '', role = '', ...rest] = value.split('/');
    if (rest.length > 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(site)) throw new WaiverInputError(`scope "${text}": expected site-role:SITE/ROLE`);
    if (!(HOST_ROLES as readonly string[]).includes(role)) throw new WaiverInputError(`scope "${text}": role must be one of ${HOST_ROLES.join(', ')}`);
    return { site, role: role as HostRole };
  }
  if (kind === 'role') {
    if (!(HOST_ROLES as readonly string[]).includes(value)) {
      throw new WaiverInputError(`scope "${text}": role must be one of ${HOST_ROLES.join(', ')}`);
    }
    return { role: value as HostRole };
  }
  const pattern = kind === 'host' ? /^[A-Za-z0-9._:-]{1,64}$/ : /^[A-Za-z0-9._-]{1,64}$/;
  if (!pattern.test(value)) throw new WaiverInputError(`scope "${text}": invalid ${kind} identifier`);
  return kind === 'host' ? { host_id: value } : { site: value };
}

/** Offset of `timeZone` from UTC at instant `at`, in ms (positive east of Greenwich). */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** 23:59:59.999 of YYYY-MM-DD in `timeZone`, as an instant. */
export function endOfDayIn(date: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) throw new WaiverInputError(`expiry "${date}": expected a date YYYY-MM-DD`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const wall = Date.UTC(y, m - 1, d, 23, 59, 59, 999);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new WaiverInputError(`expiry "${date}": no such date`);
  }
  // Two passes settle the offset across a daylight-saving change.
  let instant = wall - zoneOffsetMs(wall, timeZone);
  instant = wall - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

export interface WaiverRequest {
  rule: string;
  scope: string;
  justification: string;
  approver: string;
  /** YYYY-MM-DD, inclusive. */
  expires: string;
}

/** The checked fields of a waiver request (scope aside): trimmed texts and the expiry instant. */
export interface CheckedWaiverFields {
  justification: string;
  approver: string;
  expiresAt: Date;
}

/** Checks the rule, justification, approver and expiry of a request, whatever its scope. */
export function checkWaiverFields(request: Omit<WaiverRequest, 'scope'>, context: { packs: Map<string, Pack>; now: Date; timeZone: string }): CheckedWaiverFields {
  const known = new Set([...context.packs.values()].flatMap((p) => p.rules.map((r) => r.id)));
  if (!known.has(request.rule)) {
    throw new WaiverInputError(`rule "${request.rule}" is not a rule of the loaded packs (${[...known].sort().join(', ')})`);
  }
  const justification = request.justification.trim();
  const approver = request.approver.trim();
  if (justification.length < 10 || justification.length > 2000) {
    throw new WaiverInputError('justification: say why, in 10 to 2000 characters');
  }
  if (approver.length < 1 || approver.length > 128) throw new WaiverInputError('approver: 1 to 128 characters');
  const expiresAt = endOfDayIn(request.expires, context.timeZone);
  if (expiresAt.getTime() <= context.now.getTime()) throw new WaiverInputError(`expiry ${request.expires} is already past`);
  if (expiresAt.getTime() > context.now.getTime() + MAX_WAIVER_DAYS * DAY_MS) {
    throw new WaiverInputError(`expiry ${request.expires} is more than ${MAX_WAIVER_DAYS} days ahead: waivers are time-boxed`);
  }
  return { justification, approver, expiresAt };
}

export async function createWaiver(
  db: Database,
  request: WaiverRequest,
  context: { packs: Map<string, Pack>; now: Date; timeZone: string; actor: AuditActor },
): Promise<Waiver> {
  // The scope first: a mistyped scope is named before anything else the request gets wrong.
  const scope = parseScope(request.scope);
  const { justification, approver, expiresAt } = checkWaiverFields(request, context);
  if ('host_id' in scope && (await findHost(db, scope.host_id)) === undefined) {
    throw new WaiverInputError(`scope "${request.scope}": no enrolled host with this id`);
  }
  // A misspelt site would waive nothing and still read as an approved exception in the register.
  if ('site' in scope && !(await siteExists(db, scope.site))) {
    throw new WaiverInputError(`scope "${request.scope}": no site named "${scope.site}" (a site exists once an enrollment token names it)`);
  }
  return db.transaction().execute(async (trx) => {
    const waiver = await insertWaiver(trx, {
      rule_id: request.rule,
      scope,
      justification,
      approver,
      created_at: context.now,
      expires_at: expiresAt,
    });
    await appendAuditEvent(trx, {
      actor: context.actor,
      action: 'waiver.created',
      target: `waiver:${waiver.id}`,
      details: { rule_id: waiver.rule_id, scope: formatScope(scope), approver, expires_at: waiver.expires_at, justification },
      at: context.now,
    });
    return waiver;
  });
}
