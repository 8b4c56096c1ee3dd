// Who an access notice reaches: the requester for a decision, the approvers for a new request,
// every approver for an emergency, a revoke or a cancel. An approver is an active user of a
// reviewer role (admin counted only when the quorum names admins); the requester is never an
// approver of their own request. Email addresses and languages live in access_contacts.
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import { findUserByUsername } from '../db/users.js';
import { ApiError } from '../errors.js';
import { REVIEWER_ROLES, type AccessRequest, type ReviewerRole } from './model.js';
import type { AccessNoticeKind } from './notices.js';

export type NoticeLang = 'fr' | 'en';
export const NOTICE_LANGS: readonly NoticeLang[] = ['fr', 'en'];

export interface Recipient {
  username: string;
  role: string;
  /** null: no address known (webhook and syslog still carry the notice). */
  email: string | null;
  lang: NoticeLang;
}

/** A plain address: no display name, no line break, no comment (nothing a header could be forged from). */
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function emailProblem(email: string): string | null {
  if (email.length > 254 || !EMAIL.test(email)) return 'An email address looks like name@hopital.fr (letters, digits and . _ % + - before the @).';
  return null;
}

export async function setContact(db: Database, username: string, input: { email: string; lang: NoticeLang }, actor: AuditActor, now: Date): Promise<void> {
  const problem = emailProblem(input.email);
  if (problem !== null) throw new ApiError(400, 'invalid_email', problem);
  if (!NOTICE_LANGS.includes(input.lang)) throw new ApiError(400, 'invalid_lang', 'The language is fr or en.');
  const user = await findUserByUsername(db, username);
  if (user === undefined) throw new ApiError(404, 'unknown_user', `No user ${username.slice(0, 64)}.`);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('access_contacts')
      .values({ user_id: user.user_id, email: input.email, lang: input.lang, updated_at: toDbTime(now) })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ email: input.email, lang: input.lang, updated_at: toDbTime(now) }))
      .execute();
    await appendAuditEvent(trx, { actor, action: 'access.contact_set', target: `user:${username}`, details: { email: input.email, lang: input.lang }, at: now });
  });
}

interface PersonRow {
  user_id: string;
  username: string;
  role: string;
  email: string | null;
  lang: string | null;
}

const toRecipient = (r: PersonRow): Recipient => ({ username: r.username, role: r.role, email: r.email, lang: r.lang === 'en' ? 'en' : 'fr' });

function people(db: Database) {
  return db
    .selectFrom('users as u')
    .leftJoin('access_contacts as c', 'c.user_id', 'u.user_id')
    .select(['u.user_id', 'u.username', 'u.role', 'c.email', 'c.lang'])
    .where('u.disabled_at', 'is', null);
}

/** Roles whose people are told of a new (non-emergency) request: those its quorum names, or every reviewer role. */
function approverRoles(request: AccessRequest, everyone: boolean): ReviewerRole[] {
  if (everyone) return [...REVIEWER_ROLES];
  const named = REVIEWER_ROLES.filter((role) => (request.quorum[role] ?? 0) > 0);
  // A quorum naming rssi + biomedical is still approved by an admin's vote in the total: admins stay out of the mail.
  return named.length === 0 ? [...REVIEWER_ROLES] : named;
}

/** Decisions go to the requester; a new request to its approvers; an emergency, a revoke, a cancel, a countersignature to every approver (a revoke to the requester too). */
export async function recipientsOf(db: Database, kind: AccessNoticeKind, request: AccessRequest): Promise<Recipient[]> {
  const toRequester = kind === 'approved' || kind === 'denied' || kind === 'expired' || kind === 'revoked';
  const toApprovers = !(kind === 'approved' || kind === 'denied' || kind === 'expired');
  const out: Recipient[] = [];
  if (toRequester) {
    const row = await people(db).where('u.user_id', '=', request.requester_id).executeTakeFirst();
    if (row !== undefined) out.push(toRecipient(row));
  }
  if (toApprovers) {
    const rows = await people(db)
      .where('u.role', 'in', approverRoles(request, kind !== 'requested'))
      .where('u.user_id', '!=', request.requester_id)
      .orderBy('u.username')
      .limit(500)
      .execute();
    out.push(...rows.map(toRecipient));
  }
  return out;
}
