// A vendor's own bastion sessions ("Mes séances"): the live ones, then the ended ones newest first
// in keyset pages. Scoped by the user id each session was opened under: another user's session is
// "not found", whatever its id (the pages answer 404, as for another vendor's request).
import { findBastionSession, listUserBastionSessions, type BastionSessionRecord, type SessionCursor } from '../../db/bastion-sessions.js';
import type { Database } from '../../db/schema.js';

export const VENDOR_SESSIONS_PAGE_SIZE = 50;
/** A vendor holds a few live sessions at most (one per grant and terminal); more are listed by the staff pages. */
export const VENDOR_LIVE_SHOWN = 50;

export interface VendorSessionsPage {
  live: BastionSessionRecord[];
  past: BastionSessionRecord[];
  /** Cursor of the next page of ended sessions (started_at|session_id), null on the last page. */
  next: string | null;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/;

export function parseSessionCursor(value: string | undefined): SessionCursor | null {
  const m = value === undefined ? null : CURSOR.exec(value);
  return m === null ? null : { started_at: m[1]!, session_id: m[2]! };
}

export function sessionCursorOf(session: Pick<BastionSessionRecord, 'started_at' | 'session_id'>): string {
  return `${session.started_at}|${session.session_id}`;
}

/** The user's live sessions (first page only) and one page of ended ones after `after`. */
export async function vendorSessionsPage(db: Database, userId: string, after: SessionCursor | null, pageSize = VENDOR_SESSIONS_PAGE_SIZE): Promise<VendorSessionsPage> {
  const live = after === null ? await listUserBastionSessions(db, userId, { state: 'live', limit: VENDOR_LIVE_SHOWN }) : [];
  const ended = await listUserBastionSessions(db, userId, { state: 'ended', limit: pageSize + 1, ...(after === null ? {} : { after }) });
  const past = ended.slice(0, pageSize);
  const last = past[past.length - 1];
  return { live, past, next: ended.length > pageSize && last !== undefined ? sessionCursorOf(last) : null };
}

/** The session if it was opened by this user; undefined otherwise (unknown or someone else's). */
export async function findOwnSession(db: Database, userId: string, sessionId: string): Promise<BastionSessionRecord | undefined> {
  const session = await findBastionSession(db, sessionId);
  return session !== undefined && session.user_id === userId ? session : undefined;
}
